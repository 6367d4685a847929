//! vmr-scheduler: adds secure video meeting rooms to Outlook meetings. This file is the command line
//! (argh): it parses arguments, sets up logging, runs one command and maps its outcome to an exit code.
//!
//! Exit codes: 0 success; 1 failure at run time (a listener cannot bind, a backup cannot be written);
//! 2 invalid configuration or command line; 3 the store cannot be used (not a store, too new, locked).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use argh::FromArgs;

use vmr_scheduler::{addin, config, demo, http, service, store, system, templates};

/// Exit code: invalid configuration or command line.
const EXIT_CONFIG: u8 = 2;
/// Exit code: the store cannot be used.
const EXIT_STORE: u8 = 3;

/// vmr-scheduler: secure video meeting rooms for Outlook meetings (Secure Scheduler for Exchange).
///
/// Exit codes: 0 success, 1 run-time failure, 2 invalid configuration or usage, 3 store unusable.
#[derive(FromArgs)]
struct Cli {
    #[argh(subcommand)]
    command: Command,
}

#[derive(FromArgs)]
#[argh(subcommand)]
enum Command {
    Serve(ServeArgs),
    Demo(DemoArgs),
    CheckConfig(CheckConfigArgs),
    ConfigSchema(ConfigSchemaArgs),
    Manifest(ManifestArgs),
    Backup(BackupArgs),
    Version(VersionArgs),
}

/// Run the appliance: the HTTPS server for the Outlook add-in and its API.
#[derive(FromArgs)]
#[argh(subcommand, name = "serve")]
struct ServeArgs {
    /// the config file (default /etc/vmr-scheduler/config.json)
    #[argh(option, default = "PathBuf::from(config::DEFAULT_PATH)")]
    config: PathBuf,
    /// log at debug level, whatever the config says
    #[argh(switch, short = 'v')]
    verbose: bool,
}

/// Try the product with no Exchange of your own: the appliance, a simulated Exchange and an
/// Outlook-like page with the real add-in, on https://localhost:8443/demo/ until Ctrl-C.
#[derive(FromArgs)]
#[argh(subcommand, name = "demo")]
struct DemoArgs {
    /// keep the demo's state (config, certificates, store) in this directory instead of a
    /// temporary one that is removed at the end
    #[argh(option)]
    dir: Option<PathBuf>,
    /// the HTTPS port (default 8443, or a free one if 8443 is taken; 0 for any free port)
    #[argh(option)]
    port: Option<u16>,
    /// log at debug level (logs go to stderr; by default only warnings)
    #[argh(switch, short = 'v')]
    verbose: bool,
}

/// Check the config file and report every problem with its JSON path; exit code 2 if there are any.
#[derive(FromArgs)]
#[argh(subcommand, name = "check-config")]
struct CheckConfigArgs {
    /// the config file (default /etc/vmr-scheduler/config.json)
    #[argh(option, default = "PathBuf::from(config::DEFAULT_PATH)")]
    config: PathBuf,
}

/// Print the JSON Schema of the config file (for editors).
#[derive(FromArgs)]
#[argh(subcommand, name = "config-schema")]
struct ConfigSchemaArgs {}

/// Print the Outlook add-in manifest (XML) of an integration, to deploy in Exchange.
#[derive(FromArgs)]
#[argh(subcommand, name = "manifest")]
struct ManifestArgs {
    /// the config file (default /etc/vmr-scheduler/config.json)
    #[argh(option, default = "PathBuf::from(config::DEFAULT_PATH)")]
    config: PathBuf,
    /// the integration (may be left out when the config has only one)
    #[argh(option)]
    integration: Option<String>,
}

/// Write a consistent copy of the store to PATH; safe while the service runs.
#[derive(FromArgs)]
#[argh(subcommand, name = "backup")]
struct BackupArgs {
    /// where to write the copy (an existing file is replaced)
    #[argh(positional)]
    path: PathBuf,
    /// the config file naming the store (default /etc/vmr-scheduler/config.json)
    #[argh(option, default = "PathBuf::from(config::DEFAULT_PATH)")]
    config: PathBuf,
    /// the store file, instead of the one the config names
    #[argh(option)]
    store: Option<PathBuf>,
}

/// Print the version.
#[derive(FromArgs)]
#[argh(subcommand, name = "version")]
struct VersionArgs {}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let name = args.first().map(|a| Path::new(a).file_name().and_then(|n| n.to_str()).unwrap_or("vmr-scheduler"));
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let cli = match Cli::from_args(&[name.unwrap_or("vmr-scheduler")], &rest) {
        Ok(cli) => cli,
        Err(early) => {
            // --help prints to stdout and succeeds; a usage error goes to stderr with code 2.
            return match early.status {
                Ok(()) => {
                    println!("{}", early.output);
                    ExitCode::SUCCESS
                }
                Err(()) => {
                    eprintln!("{}", early.output);
                    ExitCode::from(EXIT_CONFIG)
                }
            };
        }
    };
    match cli.command {
        Command::Serve(a) => serve(&a),
        Command::Demo(a) => run_demo(&a),
        Command::CheckConfig(a) => check_config(&a.config),
        Command::ConfigSchema(ConfigSchemaArgs {}) => {
            print!("{}", config::json_schema());
            ExitCode::SUCCESS
        }
        Command::Manifest(a) => manifest(&a),
        Command::Backup(a) => backup(&a),
        Command::Version(VersionArgs {}) => {
            println!("vmr-scheduler {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
    }
}

/// Loads the config, printing every problem to stderr.
fn load_config(path: &Path) -> Option<config::Config> {
    match config::load_file(path) {
        Ok(c) => Some(c),
        Err(errors) => {
            eprintln!("{}: {} problem(s):", path.display(), errors.len());
            for e in &errors {
                eprintln!("  - {e}");
            }
            None
        }
    }
}

fn serve(args: &ServeArgs) -> ExitCode {
    let Some(config) = load_config(&args.config) else {
        return ExitCode::from(EXIT_CONFIG);
    };
    let level = if args.verbose { log::LevelFilter::Debug.max(config.log_level) } else { config.log_level };
    init_logging(level);
    match service::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run_demo(args: &DemoArgs) -> ExitCode {
    init_logging(if args.verbose { log::LevelFilter::Debug } else { log::LevelFilter::Warn });
    let options = demo::DemoOptions { dir: args.dir.clone(), port: args.port };
    match demo::run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vmr-scheduler demo: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn check_config(path: &Path) -> ExitCode {
    let Some(config) = load_config(path) else {
        return ExitCode::from(EXIT_CONFIG);
    };
    let mut problems = Vec::new();
    if let Err(errors) = templates::Templates::compile(&config) {
        problems.extend(errors.iter().map(ToString::to_string));
    }
    if let Err(e) = http::server_config(&config.server.tls_certificate_file, config.server.tls_private_key.expose()) {
        problems.push(format!("server.tls_certificate_file / server.tls_private_key: {e}"));
    }
    if let Some(dir) = config.store.path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        problems.push(format!(
            "store.path: the directory \"{}\" does not exist; create it or point store.path elsewhere",
            dir.display()
        ));
    }
    if config.integrations.iter().any(|i| i.addin.use_custom_add_in_sources) {
        let library = addin::OfficeJsLibrary::new(&config.server.office_js_dir);
        match library.files() {
            Ok(files) if files.iter().any(|f| f.path == "office.js") => {}
            Ok(_) => problems.push(format!(
                "server.office_js_dir: \"{}\" lists no office.js in {}; reinstall it with packaging/fetch-office-js",
                library.dir().display(),
                addin::CHECKSUM_FILE
            )),
            Err(e) => problems.push(format!("server.office_js_dir (needed by use_custom_add_in_sources): {e}")),
        }
    }
    if !problems.is_empty() {
        eprintln!("{}: {} problem(s):", path.display(), problems.len());
        for p in &problems {
            eprintln!("  - {p}");
        }
        return ExitCode::from(EXIT_CONFIG);
    }
    let names: Vec<&str> = config.integrations.iter().map(|i| i.name.as_str()).collect();
    println!("{}: OK ({} integration(s): {})", path.display(), names.len(), names.join(", "));
    ExitCode::SUCCESS
}

fn manifest(args: &ManifestArgs) -> ExitCode {
    let Some(config) = load_config(&args.config) else {
        return ExitCode::from(EXIT_CONFIG);
    };
    let names: Vec<&str> = config.integrations.iter().map(|i| i.name.as_str()).collect();
    let integration = match (&args.integration, config.integrations.as_slice()) {
        (Some(name), _) => config.integration(name),
        (None, [only]) => Some(only),
        (None, _) => {
            eprintln!(
                "the config has {} integrations ({}); choose one with --integration NAME",
                names.len(),
                names.join(", ")
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let Some(integration) = integration else {
        eprintln!(
            "no integration is named \"{}\"; the config has: {}",
            args.integration.as_deref().unwrap_or_default(),
            names.join(", ")
        );
        return ExitCode::from(EXIT_CONFIG);
    };
    print!("{}", addin::manifest(integration));
    ExitCode::SUCCESS
}

fn backup(args: &BackupArgs) -> ExitCode {
    let source = match &args.store {
        Some(p) => p.clone(),
        None => match load_config(&args.config) {
            Some(c) => c.store.path,
            None => {
                eprintln!("(give --store PATH to back up a store without a valid config)");
                return ExitCode::from(EXIT_CONFIG);
            }
        },
    };
    match store::Store::backup(&source, &args.path) {
        Ok(summary) => {
            println!(
                "backed up \"{}\" to \"{}\": schema v{}, {} tables, {} entries, {} bytes",
                source.display(),
                args.path.display(),
                summary.schema_version,
                summary.tables,
                summary.entries,
                summary.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("backup failed: {e}");
            match e {
                store::StoreError::Io { .. } => ExitCode::FAILURE,
                _ => ExitCode::from(EXIT_STORE),
            }
        }
    }
}

/// Logs go to stderr; under systemd the journal adds timestamps, so we leave them out.
fn init_logging(level: log::LevelFilter) {
    use simplelog::{ConfigBuilder, WriteLogger};
    let mut builder = ConfigBuilder::new();
    builder.set_thread_level(log::LevelFilter::Off).set_target_level(log::LevelFilter::Off);
    if system::logging_to_journal() {
        builder.set_time_level(log::LevelFilter::Off);
    } else {
        builder.set_time_format_rfc3339();
    }
    if level < log::LevelFilter::Trace {
        // Library chatter (TLS internals, HTTP client details) only at trace level.
        builder.add_filter_ignore_str("rustls").add_filter_ignore_str("ureq");
    }
    let _ = WriteLogger::init(level, builder.build(), std::io::stderr());
}
