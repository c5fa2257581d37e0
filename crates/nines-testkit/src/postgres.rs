//! A throwaway PostgreSQL cluster for one test: Debian's server binaries,
//! a data directory in a temporary directory, listening only on a Unix
//! socket in that directory (no port to pick, none to clash), stopped and
//! deleted when dropped. Nothing needs to run beforehand.
//!
//! `initdb` runs once per machine and server version into a template
//! (under a lock, so parallel test processes share it); each cluster is a
//! copy of it, which starts in a fraction of a second. PostgreSQL refuses
//! to run as root, so as root (CI) the cluster belongs to the `postgres`
//! user Debian's package creates.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running cluster; its superuser is `nines`, trusted on the socket.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    owner: Option<&'static str>,
    /// The server's port: its TCP port, and the number in its socket's name.
    port: u16,
}

/// The directory of the server binaries: `initdb` on PATH, else the
/// newest of Debian's `/usr/lib/postgresql/*/bin`.
fn bindir() -> Option<PathBuf> {
    let on_path = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(initdb) = on_path {
        return initdb.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether a server can be started here. Missing, it fails the test when
/// `CI` is set and otherwise prints `SKIPPED`; the caller returns early on
/// `false`.
pub fn available() -> bool {
    let found = bindir().is_some();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL's server is required in CI (apt-get install postgresql)"
        );
        eprintln!("SKIPPED: PostgreSQL's server (initdb) not found (apt-get install postgresql)");
    }
    found
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A server binary, to run as the cluster's owner.
fn command(owner: Option<&str>, program: &Path) -> Command {
    match owner {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Runs a server binary as the cluster's owner; panics with its output on
/// failure.
fn run(owner: Option<&str>, program: &Path, args: &[&str]) {
    let out = command(owner, program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program:?}: {e}"));
    assert!(
        out.status.success(),
        "{program:?} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn give_to(owner: Option<&str>, path: &Path) {
    if let Some(user) = owner {
        let ok = Command::new("chown")
            .args(["-R", &format!("{user}:"), &path.display().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot chown {path:?} to {user}");
    }
}

/// The initdb'd template for this server version, made once.
fn template(bin: &Path, owner: Option<&str>) -> PathBuf {
    let version = std::fs::canonicalize(bin)
        .unwrap_or_else(|_| bin.to_path_buf())
        .display()
        .to_string()
        .replace('/', "_");
    let base = std::env::temp_dir().join(format!("nines-testkit-postgres{version}"));
    std::fs::create_dir_all(&base).unwrap();
    give_to(owner, &base);
    let lock = std::fs::File::create(base.join("lock")).unwrap();
    lock.lock().unwrap();
    let data = base.join("template");
    if !data.join("PG_VERSION").exists() {
        let _ = std::fs::remove_dir_all(&data);
        let d = data.display().to_string();
        run(
            owner,
            &bin.join("initdb"),
            &[
                "-D",
                &d,
                "-U",
                "nines",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
        );
    }
    data
}

impl Postgres {
    /// Starts a cluster on its Unix socket; check [`available`] first.
    pub fn start() -> Postgres {
        let pg = Postgres::prepare();
        pg.pg_ctl_start("-c listen_addresses=''")
            .unwrap_or_else(|log| panic!("PostgreSQL does not start:\n{log}"));
        pg
    }

    /// Starts a cluster that also listens on 127.0.0.1 with TLS, presenting
    /// `cert` and `key` (PEM files); answers it and the port. A port taken
    /// meanwhile by someone else is retried with another.
    pub fn start_tls(cert: &Path, key: &Path) -> (Postgres, u16) {
        let mut pg = Postgres::prepare();
        for (name, from) in [("server.crt", cert), ("server.key", key)] {
            let to = pg.dir.path().join(name);
            std::fs::copy(from, &to).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        give_to(pg.owner, pg.dir.path());
        for _ in 0..5 {
            let port = crate::ports::free_port();
            let dir = pg.dir.path().display();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -c ssl=on \
                 -c ssl_cert_file='{dir}/server.crt' -c ssl_key_file='{dir}/server.key'"
            );
            pg.port = port;
            match pg.pg_ctl_start(&options) {
                Ok(()) => return (pg, port),
                Err(log) if log.contains("already in use") => continue,
                Err(log) => panic!("PostgreSQL does not start:\n{log}"),
            }
        }
        panic!("5 ports in a row were taken before PostgreSQL bound them");
    }

    /// A copy of the template in a fresh directory, not started.
    fn prepare() -> Postgres {
        let bin = bindir().expect("PostgreSQL's server binaries (check postgres::available())");
        let owner = is_root().then_some("postgres");
        let template = template(&bin, owner);
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let ok = Command::new("cp")
            .arg("-a")
            .arg(&template)
            .arg(&data)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "cannot copy {template:?} to {data:?}");
        give_to(owner, dir.path());
        Postgres {
            dir,
            bin,
            owner,
            port: 5432,
        }
    }

    /// `pg_ctl start` with `listen` options besides the socket's; the
    /// server's log when it does not start.
    fn pg_ctl_start(&self, listen: &str) -> Result<(), String> {
        let options = format!(
            "{listen} -c unix_socket_directories='{}' -c fsync=off -c max_connections=100",
            self.dir.path().display()
        );
        let data = self.dir.path().join("data").display().to_string();
        let log = self.dir.path().join("log").display().to_string();
        let out = command(self.owner, &self.bin.join("pg_ctl"))
            .args([
                "-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options, "start",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                self.log()
            ))
        }
    }

    /// A connection URL for database `postgres` of this cluster (its
    /// socket's directory as the `host` parameter).
    pub fn url(&self) -> String {
        format!(
            "postgresql://nines@/postgres?host={}&port={}",
            self.dir.path().display(),
            self.port
        )
    }

    /// The server's log, for a failing test to show.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = command(self.owner, &self.bin.join("pg_ctl"))
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
