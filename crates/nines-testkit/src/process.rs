//! A child process under test: its output read line by line (so a test
//! can wait for "listening on …" instead of guessing), killed on drop.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running child with stdout and stderr piped into one stream of lines.
/// Every line is also kept, so a failure can show what the child said.
pub struct Spawned {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    said: Arc<Mutex<Vec<String>>>,
    name: String,
}

impl Spawned {
    /// Starts `cmd` with stdout and stderr piped (stdin closed).
    pub fn spawn(cmd: &mut Command) -> Spawned {
        let name = format!("{:?}", cmd.get_program());
        #[allow(clippy::zombie_processes)] // Spawned's Drop kills and waits.
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
        let (tx, lines) = mpsc::channel();
        let said = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        read_lines(out, tx.clone(), said.clone());
        read_lines(err, tx, said.clone());
        Spawned {
            child,
            lines,
            said,
            name,
        }
    }

    /// The next line for which `f` answers `Some`, skipping the others;
    /// panics after `limit`, or when the child ends first, with its output.
    pub fn wait_for_line<T>(
        &self,
        limit: Duration,
        what: &str,
        mut f: impl FnMut(&str) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(v) = f(&line) {
                        return v;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                    "{}: no {what} within {limit:?}; it said:\n{}",
                    self.name,
                    self.output()
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
                    "{} ended before {what}; it said:\n{}",
                    self.name,
                    self.output()
                ),
            }
        }
    }

    /// Everything the child has written so far, stdout and stderr.
    pub fn output(&self) -> String {
        self.said.lock().unwrap().join("\n")
    }

    /// Whether the child has ended.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Drains `from` on a thread (a full pipe would block the child), echoing
/// each line to this test's stderr.
fn read_lines(
    from: impl Read + Send + 'static,
    tx: mpsc::Sender<String>,
    said: Arc<Mutex<Vec<String>>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            eprintln!("{line}");
            said.lock().unwrap().push(line.clone());
            let _ = tx.send(line);
        }
    });
}
