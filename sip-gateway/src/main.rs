//! `sportello`: the phone counter, kiosk, counters and display board of an Italian public
//! office in one binary. `sportello --help` lists the commands.

// Printing to standard output is what the CLI commands (check-config, hash-password, kb) are
// for; the server itself logs through tracing.
#![allow(clippy::print_stdout)]

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sip_gateway::config::{self, LogFormat};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

#[derive(Parser, Debug)]
#[command(
    name = "sportello",
    version,
    about = "Phone counter, kiosk, counters and display board of an Italian public office"
)]
struct Cli {
    /// The configuration file.
    #[arg(
        long,
        short,
        default_value = "sportello.toml",
        env = "SPORTELLO_CONFIG"
    )]
    config: PathBuf,
    /// Where the embedded SQLite database lives when no storage URL is configured.
    #[arg(long, default_value = "data", env = "SPORTELLO_DATA_DIR")]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the product (the default command).
    Serve {
        /// Write the bound addresses as JSON to this file once ready (for tests and
        /// supervisors; lets `http.listen` use port 0).
        #[arg(long)]
        ready_file: Option<PathBuf>,
    },
    /// Check the configuration file and report every problem.
    CheckConfig,
    /// Read a password from standard input and print its Argon2 hash for `[[staff]]`.
    HashPassword,
    /// Knowledge-base tools.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
}

#[derive(Subcommand, Debug)]
enum KbCommand {
    /// Load and validate the content; report every problem with file and line.
    Check,
    /// Evaluate search on a question set (`question<TAB>id[,id...]`, header
    /// `question<TAB>expected`): top-1, top-3, MRR and the misses.
    Eval {
        /// The question set.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve { ready_file: None }) {
        Command::CheckConfig => match config::load(&cli.config, &cli.data_dir) {
            Ok(settings) => {
                println!(
                    "{}: configuration valid ({}, {} lines, {} counters, {} staff accounts)",
                    cli.config.display(),
                    settings.office.name,
                    settings.office.lines.len(),
                    settings.office.stations.len(),
                    settings.office.staff.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e:#}");
                ExitCode::from(2)
            }
        },
        Command::HashPassword => {
            let mut line = String::new();
            if std::io::stdin().lock().read_line(&mut line).is_err() || line.trim().is_empty() {
                eprintln!("type the password on standard input");
                return ExitCode::from(2);
            }
            match ticketing::auth::PasswordHash::create(line.trim_end_matches(['\r', '\n'])) {
                Ok(hash) => {
                    println!("{}", hash.as_str());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve { ready_file } => serve(&cli.config, &cli.data_dir, ready_file),
        Command::Kb { command } => knowledge_base_command(&cli.config, &cli.data_dir, command),
    }
}

fn knowledge_base_command(
    config_path: &std::path::Path,
    data_dir: &std::path::Path,
    command: KbCommand,
) -> ExitCode {
    let settings = match config::load(config_path, data_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(2);
        }
    };
    let handle =
        match sip_gateway::app::load_knowledge_base(&settings.knowledge_base, &settings.office) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("{e:#}");
                return ExitCode::from(2);
            }
        };
    match command {
        KbCommand::Check => {
            println!(
                "knowledge base valid: {} procedures",
                handle.current().procedures().len()
            );
            ExitCode::SUCCESS
        }
        KbCommand::Eval { file } => {
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cannot read {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            match knowledge_base::evaluate(&handle.current(), &text) {
                Ok(report) => {
                    println!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn serve(
    config_path: &std::path::Path,
    data_dir: &std::path::Path,
    ready: Option<PathBuf>,
) -> ExitCode {
    let settings = match config::load(config_path, data_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(2);
        }
    };
    init_tracing(settings.log_format, &settings.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    let result = runtime.block_on(async {
        let signals = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            signals.cancel();
        });
        sip_gateway::app::run(settings, ready, shutdown).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("sportello: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn init_tracing(format: LogFormat, level: &str) {
    // rsipstack logs whole SIP messages (with phone numbers) at info, whisper.cpp (speech
    // feature) every model parameter: keep them to warnings unless RUST_LOG asks otherwise.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},rsipstack=warn,whisper_rs=warn")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
