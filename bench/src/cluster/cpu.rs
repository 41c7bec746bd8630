//! Where the machine's CPU time went during a step: each named process
//! (from `/proc/<pid>/stat`), the rest of the machine, and idle (from
//! `/proc/stat`), in cores.

use std::{fmt, fs};

/// Clock ticks per second of `/proc` times (`USER_HZ`, 100 on Linux).
const USER_HZ: f64 = 100.0;

/// CPU time of a process so far (user + system, all threads), in ticks.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is
    // field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// `(busy, idle)` ticks of the whole machine so far.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line.split_whitespace().take(8).filter_map(|t| t.parse().ok()).collect();
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some((ticks.iter().sum::<u64>() - idle, idle))
}

/// A measurement under way.
pub struct Meter {
    processes: Vec<(String, u32, u64)>,
    machine: (u64, u64),
    started: std::time::Instant,
}

impl Meter {
    /// Starts measuring the named processes (and the machine).
    pub fn start(processes: &[(String, u32)]) -> Self {
        let processes =
            processes.iter().map(|(name, pid)| (name.clone(), *pid, process_ticks(*pid).unwrap_or(0))).collect();
        Meter { processes, machine: machine_ticks().unwrap_or((0, 0)), started: std::time::Instant::now() }
    }

    /// The cores each process used on average since the start, and the rest.
    pub fn stop(self) -> Split {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let cores = |ticks: u64| ticks as f64 / USER_HZ / seconds;
        let processes: Vec<(String, f64)> = self
            .processes
            .into_iter()
            .map(|(name, pid, before)| (name, cores(process_ticks(pid).unwrap_or(before).saturating_sub(before))))
            .collect();
        let (busy, idle) = machine_ticks().unwrap_or(self.machine);
        let busy = cores(busy.saturating_sub(self.machine.0));
        let named: f64 = processes.iter().map(|p| p.1).sum();
        Split {
            processes,
            rest: (busy - named).max(0.0),
            idle: cores(idle.saturating_sub(self.machine.1)),
            machine: std::thread::available_parallelism().map_or(0, |n| n.get()),
        }
    }
}

/// Average cores used over a step.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// Each named process.
    pub processes: Vec<(String, f64)>,
    /// Everything else that ran (Postgres, the brokers, other jobs).
    pub rest: f64,
    pub idle: f64,
    /// Cores of the machine.
    pub machine: usize,
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cores used of {}:", self.machine)?;
        for (name, cores) in &self.processes {
            write!(f, " {name} {cores:.2},")?;
        }
        write!(f, " rest (Postgres, brokers, other jobs) {:.2}, idle {:.2}", self.rest, self.idle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_and_the_machine() {
        assert!(process_ticks(std::process::id()).is_some());
        let (busy, idle) = machine_ticks().unwrap();
        assert!(busy + idle > 0);
        let meter = Meter::start(&[("me".into(), std::process::id())]);
        let split = meter.stop();
        assert_eq!(split.processes.len(), 1);
        assert!(split.to_string().starts_with("cores used of "));
    }
}
