//! The thin binary: parse the flags, run, print the error chain, exit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = xtask::flags::Xtask::parse();
    // drift's contract: 0 no drift, 1 drift, 2 could not tell (any error).
    let drift = matches!(
        args.cmd,
        xtask::flags::Cmd::Migration(xtask::flags::MigrationCmd::Drift(_))
    );
    match xtask::run(args) {
        Ok(xtask::Outcome::Clean) => ExitCode::SUCCESS,
        Ok(xtask::Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if drift || e.downcast_ref::<xtask::BadInput>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
