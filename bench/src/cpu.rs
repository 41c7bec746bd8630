//! Where the machine's CPU time went during a step: each named process, or
//! every process of a command (Postgres' backends, the broker), from
//! `/proc/<pid>/stat`; the rest of the machine and idle from `/proc/stat`.

use std::{collections::HashMap, fmt, fs};

/// Clock ticks per second of `/proc` times (`USER_HZ`, 100 on Linux).
const USER_HZ: f64 = 100.0;

/// What one line of a split measures.
#[derive(Clone, Debug)]
pub enum Who {
    /// One process.
    Pid(u32),
    /// Every process whose command name (`/proc/<pid>/comm`) is this, as
    /// they are when the step starts and when it ends (a process started
    /// meanwhile counts in full).
    Command(&'static str),
}

impl Who {
    /// This process (the bench: load generator or bare client).
    pub fn me() -> Self {
        Who::Pid(std::process::id())
    }

    fn pids(&self) -> Vec<u32> {
        match self {
            Who::Pid(pid) => vec![*pid],
            Who::Command(name) => fs::read_dir("/proc")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim_end() == *name))
                .collect(),
        }
    }

    fn ticks(&self) -> HashMap<u32, Ticks> {
        self.pids().into_iter().filter_map(|pid| Some((pid, process_ticks(pid)?))).collect()
    }
}

/// CPU time of a process so far (all threads), in ticks.
#[derive(Clone, Copy, Debug, Default)]
struct Ticks {
    user: u64,
    /// In the kernel on the process's behalf (system calls: socket writes…).
    system: u64,
}

fn process_ticks(pid: u32) -> Option<Ticks> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is
    // field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Ticks { user: fields.get(11)?.parse().ok()?, system: fields.get(12)?.parse().ok()? })
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
    processes: Vec<(String, Who, HashMap<u32, Ticks>)>,
    machine: (u64, u64),
    started: std::time::Instant,
}

impl Meter {
    /// Starts measuring the named processes (and the machine).
    pub fn start(processes: &[(String, u32)]) -> Self {
        let named: Vec<(String, Who)> = processes.iter().map(|(name, pid)| (name.clone(), Who::Pid(*pid))).collect();
        Self::of(&named)
    }

    /// Starts measuring named lines of processes (and the machine).
    pub fn of(processes: &[(String, Who)]) -> Self {
        let processes = processes.iter().map(|(name, who)| (name.clone(), who.clone(), who.ticks())).collect();
        Meter { processes, machine: machine_ticks().unwrap_or((0, 0)), started: std::time::Instant::now() }
    }

    /// The CPU each line used since the start, and the rest.
    pub fn stop(self) -> Split {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let processes: Vec<Used> = self
            .processes
            .into_iter()
            .map(|(name, who, before)| {
                let (mut user, mut system) = (0, 0);
                for (pid, now) in who.ticks() {
                    let was = before.get(&pid).copied().unwrap_or_default();
                    user += now.user.saturating_sub(was.user);
                    system += now.system.saturating_sub(was.system);
                }
                Used { name, cpu: (user + system) as f64 / USER_HZ, system: system as f64 / USER_HZ }
            })
            .collect();
        let (busy, idle) = machine_ticks().unwrap_or(self.machine);
        let busy = busy.saturating_sub(self.machine.0) as f64 / USER_HZ;
        let named: f64 = processes.iter().map(|p| p.cpu).sum();
        Split {
            processes,
            rest: (busy - named).max(0.0),
            idle: idle.saturating_sub(self.machine.1) as f64 / USER_HZ,
            seconds,
            machine: std::thread::available_parallelism().map_or(0, |n| n.get()),
        }
    }
}

/// What one named line used, in CPU-seconds.
#[derive(Clone, Debug)]
pub struct Used {
    pub name: String,
    /// User and system time.
    pub cpu: f64,
    /// The system (kernel) part of it.
    pub system: f64,
}

/// CPU time used over a step, in CPU-seconds (shown as average cores).
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// Each named line.
    pub processes: Vec<Used>,
    /// Everything else that ran (Postgres, the brokers, other jobs, unless named).
    pub rest: f64,
    pub idle: f64,
    /// Wall-clock length of the step.
    pub seconds: f64,
    /// Cores of the machine.
    pub machine: usize,
}

impl Split {
    /// CPU-seconds the named line used.
    pub fn cpu_seconds(&self, name: &str) -> f64 {
        self.processes.iter().find(|p| p.name == name).map_or(0.0, |p| p.cpu)
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cores = |cpu_seconds: f64| cpu_seconds / self.seconds;
        write!(f, "cores used of {}:", self.machine)?;
        for used in &self.processes {
            write!(f, " {} {:.2}", used.name, cores(used.cpu))?;
            if used.cpu > 0.0 {
                write!(f, " ({:.0}% kernel)", 100.0 * used.system / used.cpu)?;
            }
            f.write_str(",")?;
        }
        write!(f, " rest {:.2}, idle {:.2}", cores(self.rest), cores(self.idle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_a_command_and_the_machine() {
        assert!(process_ticks(std::process::id()).is_some());
        let (busy, idle) = machine_ticks().unwrap();
        assert!(busy + idle > 0);
        let me = fs::read_to_string("/proc/self/comm").unwrap();
        let me: &'static str = Box::leak(me.trim_end().to_owned().into_boxed_str());
        assert!(Who::Command(me).pids().contains(&std::process::id()));
        let meter = Meter::of(&[("me".into(), Who::me())]);
        let spin = std::time::Instant::now();
        while spin.elapsed() < std::time::Duration::from_millis(50) {
            std::hint::black_box(spin.elapsed());
        }
        let split = meter.stop();
        assert_eq!(split.processes.len(), 1);
        assert!(split.seconds >= 0.05);
        assert!(split.to_string().starts_with("cores used of "));
    }
}
