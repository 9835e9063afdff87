//! Compiles the git commit into the binary (`powboard_build_info{commit}`):
//! `POWBOARD_GIT_COMMIT` when set (the image build, which has no `.git`), else
//! `git rev-parse HEAD` of the checkout, else "unknown".
use std::{path::PathBuf, process::Command};

fn main() {
    println!("cargo:rerun-if-env-changed=POWBOARD_GIT_COMMIT");
    let commit = std::env::var("POWBOARD_GIT_COMMIT")
        .ok()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .or_else(git_head)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=POWBOARD_GIT_COMMIT={commit}");
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The short commit of HEAD; also asks Cargo to run this again when HEAD moves (the
/// HEAD file for a checkout or branch switch, the branch's ref for a commit), and only
/// then: without a rerun-if-changed line Cargo would rerun it on every file change.
fn git_head() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            let path = cwd.join(PathBuf::from(path));
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}
