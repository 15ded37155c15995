fn main() -> std::process::ExitCode {
    touchpoint::main()
}
