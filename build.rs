//! Embeds the icon and version information into the Windows executable. Does nothing when the
//! target is not Windows.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=assets/icon.ico");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let mut resource = winresource::WindowsResource::new();
    resource
        .set_icon("assets/icon.ico")
        .set("ProductName", "Taizhang")
        .set("FileDescription", "Taizhang - key-work plan ledger")
        .set("OriginalFilename", "taizhang.exe")
        .set("LegalCopyright", "Taizhang developers");
    if let Err(error) = resource.compile() {
        panic!("could not embed the Windows resources (is MinGW's windres installed?): {error}");
    }
}
