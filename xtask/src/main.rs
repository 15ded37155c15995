//! The `touchpoint` command: the same command line as a repository's own
//! `cargo xtask`, for use without one (`cargo install touchpoint`).

fn main() -> std::process::ExitCode {
    touchpoint::main()
}
