//! The `zkcity` binary: parses arguments and hands over to the library.
use std::process::ExitCode;

/// The server allocates many small objects per request (a future and a
/// value per GraphQL field); mimalloc's thread-local free lists cost less
/// CPU per request than glibc's malloc did in profiles.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    zkcity_cli::main()
}
