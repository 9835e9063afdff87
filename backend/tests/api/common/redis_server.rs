//! A private `redis-server` (Debian's package) for one test: a free port on 127.0.0.1,
//! its files under `.data/test-redis/`, no persistence. Never the machine's own Redis
//! on 6379. Killed when dropped.
use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use super::repo_root;

pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Arguments of this server beyond the usual ones (kept for `restart`).
    extra: Vec<String>,
}

impl RedisServer {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// With more arguments, e.g. `["--requirepass", "..."]`.
    pub fn start_with(extra: &[&str]) -> Self {
        // A port another test grabs between our probe and the server's bind makes the
        // start fail: try a few.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let dir = repo_root().join(format!(".data/test-redis/{port}"));
            std::fs::create_dir_all(&dir).unwrap();
            let mut server = Self {
                port,
                dir,
                child: None,
                extra: extra.iter().map(|a| a.to_string()).collect(),
            };
            if server.spawn() {
                return server;
            }
        }
        panic!("could not start a private redis-server");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server on its port; false when it did not come up.
    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            // DEBUG SLEEP (a Redis that stops answering for a while), from 127.0.0.1.
            .args(["--enable-debug-command", "local"])
            .args(&self.extra)
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is not installed (scripts/apt-install.sh redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return false;
            }
            if self.cli(&["PING"]).is_some_and(|r| r == "PONG") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        false
    }

    /// SIGKILL: Redis gone at once (its connections reset).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: no persistence).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.spawn() {
            assert!(Instant::now() < deadline, "redis-server did not restart");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGSTOP / SIGCONT: connected but silent (a slow Redis).
    pub fn pause(&self, paused: bool) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let sig = if paused { "-STOP" } else { "-CONT" };
        assert!(Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap()
            .success());
    }

    /// `DEBUG SLEEP secs`: the server answers nothing for that long (sent in the
    /// background; wait on the returned child to see the sleep end).
    pub fn debug_sleep(&self, secs: f64) -> Child {
        Command::new("redis-cli")
            .args([
                "-p",
                &self.port.to_string(),
                "DEBUG",
                "SLEEP",
                &secs.to_string(),
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// One command through `redis-cli` (installed with redis-server); None when the
    /// server does not answer.
    pub fn cli(&self, args: &[&str]) -> Option<String> {
        // Not worth a client connection: redis-cli is there, and a refused port is quick.
        TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        let mut cli = Command::new("redis-cli");
        cli.args(["-p", &self.port.to_string(), "--raw"]);
        let password = self
            .extra
            .iter()
            .skip_while(|a| *a != "--requirepass")
            .nth(1);
        if let Some(password) = password {
            cli.args(["--no-auth-warning", "-a", password]);
        }
        let out = cli.args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Every key of the board's budgets.
    pub fn keys(&self) -> Vec<String> {
        let out = self.cli(&["--scan", "--pattern", "powboard:rl:*"]);
        let mut keys: Vec<String> = out.unwrap_or_default().lines().map(str::to_owned).collect();
        keys.sort();
        keys
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // SIGKILL ends a paused (SIGSTOPped) server too.
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
