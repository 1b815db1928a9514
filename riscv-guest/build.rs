//! Links the guest binary with its memory map (`link.x`) when building for riscv32; host
//! builds (tests, clippy) link as usual.

fn main() {
    println!("cargo:rerun-if-changed=link.x");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch == "riscv32" {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        println!("cargo:rustc-link-arg-bins=-T{dir}/link.x");
    }
}
