//! Positional arguments of the benchmark generators: `DIR [COUNT]...`, each count a positive
//! integer with a default.

#![allow(dead_code)]

/// The arguments after the program name, and the usage line errors repeat.
pub struct Positional {
    args: Vec<String>,
    usage: &'static str,
}

impl Positional {
    pub fn from_env(usage: &'static str) -> Positional {
        Positional {
            args: std::env::args().skip(1).collect(),
            usage,
        }
    }

    /// The output folder (the first argument, required).
    pub fn dir(&self) -> Result<std::path::PathBuf, String> {
        self.args
            .first()
            .map(std::path::PathBuf::from)
            .ok_or_else(|| self.usage.to_owned())
    }

    /// Argument `i` as a positive count, or `default` when absent.
    pub fn count(&self, i: usize, default: usize, what: &str) -> Result<usize, String> {
        match self.args.get(i) {
            None => Ok(default),
            Some(s) => match s.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "{what} must be a positive integer, got '{s}'; {}",
                    self.usage
                )),
            },
        }
    }

    /// Fails when more than `n` arguments were given.
    pub fn at_most(&self, n: usize) -> Result<(), String> {
        if self.args.len() > n {
            return Err(self.usage.to_owned());
        }
        Ok(())
    }
}
