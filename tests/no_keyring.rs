//! A PC whose credential store cannot be used (no Secret Service on the session bus here):
//! the mailbox's code is kept for this run only, and 设置 can say so.
#![expect(clippy::unwrap_used)]

#[test]
fn without_a_credential_store_the_code_is_kept_for_this_run() {
    // No session bus at all (the binary's only test, so the environment is ours): every
    // call to the credential store fails.
    let address = "nokeyring@example.cn";
    temp_env();
    let saved = taizhang::mail::secret::save(address, "code-1").unwrap();
    assert!(
        matches!(saved, taizhang::mail::secret::Saved::Session(ref why) if why.contains("无法使用系统凭据库")),
        "{saved:?}"
    );
    assert_eq!(
        taizhang::mail::secret::load(address).unwrap().as_deref(),
        Some("code-1")
    );
    let state = taizhang::mail::secret::state(address);
    assert!(
        matches!(state, taizhang::mail::secret::CodeState::ThisRun(_)),
        "{state:?}"
    );
    assert!(state.words().contains("仅本次运行有效"));
    // Another address has none, and says why.
    let other = taizhang::mail::secret::load("other@example.cn").unwrap_err();
    assert!(other.contains("本次运行期间有效"), "{other}");
    taizhang::mail::secret::delete(address).unwrap_or_default();
    assert!(matches!(
        taizhang::mail::secret::state(address),
        taizhang::mail::secret::CodeState::Missing(Some(_))
    ));
}

/// Points the session bus nowhere.
fn temp_env() {
    let dir = std::env::temp_dir().join("taizhang-no-bus");
    #[expect(unsafe_code)]
    // SAFETY: single-threaded at this point; no other thread reads the environment.
    unsafe {
        std::env::set_var(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.join("none").display()),
        );
    }
}
