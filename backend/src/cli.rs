//! The subcommands: `serve` (default), `migrate`, `listings hide|unhide` (see
//! [`crate::moderation`]), `openapi`, `pow solve`.
use std::io::Read;

use anyhow::Context;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use crate::{
    app,
    config::{Cli, Command, Config, ListingsAction, PowAction},
    db, moderation,
    pow::{algorithm::Algorithm, puzzle, ChallengeResponse},
};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => app::serve(cli.config).await,
        Command::Migrate => {
            let pool = db::connect(&cli.config).await?;
            db::migrate(&pool).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Listings { action } => moderate(&cli.config, action).await,
        Command::Openapi => {
            println!("{}", crate::openapi::document_json());
            Ok(())
        }
        Command::Pow {
            action:
                PowAction::Solve {
                    json,
                    headers,
                    threads,
                },
        } => {
            let json = match json.as_deref() {
                None | Some("-") => {
                    let mut s = String::new();
                    std::io::stdin()
                        .read_to_string(&mut s)
                        .context("reading the challenge from stdin")?;
                    s
                }
                Some(s) => s.to_owned(),
            };
            let threads = threads.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            });
            let (ch, nonces) = tokio::task::spawn_blocking(move || solve(&json, threads)).await??;
            if headers {
                println!(
                    "X-PoW-Challenge: {}\nX-PoW-Token: {}\nX-PoW-Nonce: {nonces}",
                    ch.challenge, ch.token
                );
            } else {
                println!("{nonces}");
            }
            Ok(())
        }
    }
}

/// Solves the challenge JSON of `GET /api/pow/challenge`, with the puzzle it names.
pub fn solve(json: &str, threads: usize) -> anyhow::Result<(ChallengeResponse, String)> {
    let ch: ChallengeResponse =
        serde_json::from_str(json.trim()).context("not a challenge JSON object")?;
    let algorithm = Algorithm::from_name(&ch.algorithm)
        .with_context(|| format!("unknown algorithm {:?}", ch.algorithm))?;
    let bytes: [u8; puzzle::CHALLENGE_LEN] = URL_SAFE_NO_PAD
        .decode(&ch.challenge)
        .ok()
        .and_then(|b| b.try_into().ok())
        .context("challenge must be 16 bytes of base64url")?;
    let threshold =
        u64::from_str_radix(&ch.threshold, 16).context("threshold must be 16 hex digits")?;
    anyhow::ensure!(ch.subpuzzles >= 1, "subpuzzles must be at least 1");
    let nonces = algorithm
        .solve(&bytes, ch.subpuzzles, threshold, threads)
        .header_value();
    Ok((ch, nonces))
}

async fn moderate(config: &Config, action: ListingsAction) -> anyhow::Result<()> {
    let (action, selection) = match action {
        ListingsAction::Hide { selection } => (moderation::Action::Hide, selection),
        ListingsAction::Unhide { selection } => (moderation::Action::Unhide, selection),
    };
    // Checked before connecting, so a refused selection never waits for a database.
    let filter = moderation::Filter::parse(&selection)?;
    let pool = db::connect(config).await?;
    db::migrate(&pool).await?;
    let report = moderation::run(&pool, action, &filter, selection.dry_run).await?;
    println!("{report}");
    Ok(())
}
