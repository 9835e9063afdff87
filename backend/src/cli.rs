//! The subcommands: `serve` (default), `migrate`, `listings hide|unhide` (see
//! [`crate::moderation`]), `listings reindex` ([`crate::listings::reindex`]), `openapi`, `pow solve`.
use std::io::Read;

use anyhow::Context;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use clap::{Parser, Subcommand};

use crate::{
    app,
    config::Config,
    db,
    moderation::{self, Selection},
    pow::{algorithm::Algorithm, puzzle, ChallengeResponse},
};

// The command line: here, above everything it runs, so the settings (`config`) need
// not know the commands (which know moderation, which knows the listings...).
#[derive(Parser, Debug)]
#[command(
    name = "powboard",
    version,
    about = "A public bulletin board that bots find expensive to spam"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the API and the web UI (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Moderation: hide or unhide listings by id and/or filters.
    Listings {
        #[command(subcommand)]
        action: ListingsAction,
    },
    /// Print the OpenAPI description of the API (what `GET /api/openapi.json`
    /// serves) and exit; needs no database.
    Openapi,
    /// Proof-of-work tools.
    Pow {
        #[command(subcommand)]
        action: PowAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum ListingsAction {
    /// Hide listings: they disappear from search, counts and statistics. Give an id
    /// and/or filters (all must hold); every change is recorded in `moderation_log`.
    Hide {
        #[command(flatten)]
        selection: Selection,
    },
    /// Make hidden listings visible again (same selection as `hide`).
    Unhide {
        #[command(flatten)]
        selection: Selection,
    },
    /// Compute the search terms (segmented, folded) of stored listings: once after
    /// the migration that moved them into the server (rows without terms), or
    /// with --all after a change of the rules. Short batches: safe on a live board,
    /// and resumable.
    Reindex {
        /// Every listing, not only those without terms.
        #[arg(long)]
        all: bool,
        /// Listings per batch (one short transaction each).
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        batch: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum PowAction {
    /// Solve a challenge natively on all cores, with the puzzle its `algorithm` names. Reads the JSON of
    /// `GET /api/pow/challenge` from the argument or standard input and prints the
    /// `X-PoW-Nonce` value (or all three headers with --headers).
    Solve {
        /// The challenge JSON; `-` or absent reads standard input.
        json: Option<String>,
        /// Print `X-PoW-Challenge`, `X-PoW-Token` and `X-PoW-Nonce` header lines.
        #[arg(long)]
        headers: bool,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
}

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
            println!("{}", crate::routes::document_json());
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

/// `listings reindex`: no migration here (only `migrate` and `serve` run them).
async fn reindex(config: &Config, all: bool, batch: i64) -> anyhow::Result<()> {
    use crate::listings::reindex::{run, Scope};
    let pool = db::connect(config).await?;
    // Like moderation: never DDL outside `migrate` and `serve`.
    db::check_schema(&pool).await?;
    let scope = if all { Scope::All } else { Scope::Missing };
    let n = run(&pool, scope, batch).await?;
    println!("{n} listings reindexed");
    Ok(())
}

/// Solves the challenge JSON of `GET /api/pow/challenge`, with the puzzle it names.
pub fn solve(json: &str, threads: usize) -> anyhow::Result<(ChallengeResponse, String)> {
    let value = crate::strict_json::from_slice(json.trim().as_bytes())
        .context("the challenge is not JSON")?;
    let ch: ChallengeResponse =
        serde_json::from_value(value).context("not a challenge JSON object")?;
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
        ListingsAction::Reindex { all, batch } => return reindex(config, all, batch).await,
        ListingsAction::Hide { selection } => (moderation::Action::Hide, selection),
        ListingsAction::Unhide { selection } => (moderation::Action::Unhide, selection),
    };
    // Checked before connecting, so a refused selection never waits for a database.
    let filter = moderation::Filter::parse(&selection)?;
    let pool = db::connect(config).await?;
    // Only `serve` and `migrate` change the schema: a moderation command pointed at
    // the wrong database (or an older one) must change nothing there.
    db::check_schema(&pool).await?;
    let report = moderation::run(&pool, action, &filter, selection.dry_run).await?;
    println!("{report}");
    Ok(())
}
