//! The `powboard` binary: parse the command line, start telemetry, hand over to the library.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = powboard::cli::Cli::parse();
    powboard::telemetry::init(&cli.config);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("powboard: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(powboard::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "powboard stopped with an error");
            eprintln!("powboard: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
