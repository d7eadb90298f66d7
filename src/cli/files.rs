//! Files named on the command line, with `-` for standard input or output.

use std::fs::File;
use std::io::BufRead;
use std::io::BufReader;
use std::io::IsTerminal;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::path::PathBuf;

use super::error::CommandError;

/// Opens a file for reading, or standard input for `-`.
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>, CommandError> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    if path.is_dir() {
        return Err(CommandError::missing(format!(
            "{} is a folder, not a bundle file",
            path.display()
        ))
        .hint(
            "a peer's store folder goes to `gmm diff` or `gmm correct`; import reads bundle files",
        ));
    }
    let file = File::open(path).map_err(|e| {
        let message = format!("cannot open {}: {e}", path.display());
        let error = if e.kind() == std::io::ErrorKind::NotFound {
            CommandError::missing(message)
        } else {
            CommandError::io(message)
        };
        error.hint("check the path; `-` reads standard input")
    })?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
}

/// Where a bundle or proof goes (`docs/decisions.md`, "Output files"):
/// - a regular file, or a name not taken yet: a temporary file in the same
///   folder, renamed over it on success, so no half-written file is ever left
///   and a failed write leaves the old file as it was;
/// - a symlink: the same, at the file it points to (the link stays a link);
/// - a device, FIFO or socket (`/dev/null`, `>(cmd)`, a named pipe): written
///   into as `cat > FILE` would, never replaced;
/// - `-` or nothing: standard output.
pub enum Output {
    File {
        temp: tempfile::NamedTempFile,
        path: PathBuf,
    },
    Special {
        file: File,
        path: PathBuf,
    },
    Stdout,
}

/// Where an output path really leads, following symlinks.
enum Target {
    /// A regular file or a free name: replace atomically at this path.
    Replace(PathBuf),
    /// A device, FIFO or socket: write into it.
    Special,
}

fn target_of(path: &Path) -> Result<Target, CommandError> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    // `metadata` follows links the way `open` does, including the kernel's
    // `/dev/fd/N` links to pipes that `>(cmd)` hands over.
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(is_a_folder(path)),
        Ok(m) if !m.is_file() => Ok(Target::Special),
        Ok(_) if is_link => std::fs::canonicalize(path)
            .map(Target::Replace)
            .map_err(|e| CommandError::io(format!("cannot resolve {}: {e}", path.display()))),
        Ok(_) => Ok(Target::Replace(path.to_owned())),
        Err(e) if is_link => Err(CommandError::io(format!(
            "{} is a symlink that leads nowhere: {e}",
            path.display()
        ))
        .hint("gmm writes to a symlink's target and never replaces the link: create the target, or give another path")),
        Err(_) => Ok(Target::Replace(path.to_owned())),
    }
}

fn is_a_folder(path: &Path) -> CommandError {
    CommandError::usage(format!("{} is a folder, not a file", path.display()))
        .hint("give a file name inside it with -o")
}

impl Output {
    /// `None` or `-` is standard output, refused for binary data on a terminal.
    pub fn create(path: Option<&Path>, binary: bool) -> Result<Output, CommandError> {
        let Some(path) = path.filter(|p| *p != Path::new("-")) else {
            if binary && std::io::stdout().is_terminal() {
                return Err(
                    CommandError::usage("refusing to write a binary bundle to a terminal")
                        .hint("write it to a file with -o FILE, or redirect standard output"),
                );
            }
            return Ok(Output::Stdout);
        };
        let path = match target_of(path)? {
            Target::Replace(path) => path,
            Target::Special => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| {
                        CommandError::io(format!("cannot write {}: {e}", path.display()))
                    })?;
                return Ok(Output::Special {
                    file,
                    path: path.to_owned(),
                });
            }
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| {
            // tempfile's message names its random file; the OS error
            // alone says what is wrong with the folder.
            let text = e.to_string();
            let why = text.split(" at path ").next().unwrap_or(&text);
            CommandError::io(format!("cannot write in {}: {why}", dir.display()))
                .hint("the output is written to a temporary file in that folder, then renamed: check it exists and is writable")
        })?;
        Ok(Output::File { temp, path })
    }

    /// The output as messages name it.
    pub fn name(&self) -> String {
        match self {
            Output::File { path, .. } | Output::Special { path, .. } => path.display().to_string(),
            Output::Stdout => "standard output".into(),
        }
    }

    pub fn writer(&mut self) -> Box<dyn Write + '_> {
        match self {
            Output::File { temp, .. } => Box::new(std::io::BufWriter::new(temp.as_file_mut())),
            Output::Special { file, .. } => Box::new(std::io::BufWriter::new(file)),
            Output::Stdout => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        }
    }

    /// Moves the finished file into place.
    pub fn finish(self) -> Result<(), CommandError> {
        if let Output::File { temp, path } = self {
            // A bundle is not a secret: the usual mode for a new file.
            let mode = std::fs::Permissions::from_mode(0o644);
            std::fs::set_permissions(temp.path(), mode)
                .and_then(|()| temp.as_file().sync_all())
                .map_err(|e| CommandError::io(e.to_string()))?;
            temp.persist(&path).map_err(|e| {
                CommandError::io(format!("cannot write {}: {}", path.display(), e.error))
            })?;
        }
        Ok(())
    }
}

/// `-o FILE`, `--format` and `--sign`: how a command writes a bundle.
#[derive(clap::Args, Debug)]
pub struct BundleOutputArgs {
    /// Where to write the bundle (`-` for standard output, the default); a
    /// file is replaced atomically, a FIFO or device written into
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The encoding
    #[arg(long, value_enum, default_value = "bin")]
    pub format: FormatArg,
    /// Sign the bundle's trailer with this store's identity
    #[arg(long)]
    pub sign: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    /// The binary bundle format (docs/bundle-format.md)
    Bin,
    /// One JSON object per line, with the raw signed bytes
    Jsonl,
}

impl BundleOutputArgs {
    pub fn format(&self) -> gmm::exchange::Format {
        match self.format {
            FormatArg::Bin => gmm::exchange::Format::Binary,
            FormatArg::Jsonl => gmm::exchange::Format::Jsonl,
        }
    }

    /// The store's key when `--sign` was given.
    pub fn signer(
        &self,
        store: &gmm::store::Store,
    ) -> Result<Option<gmm::model::keys::SecretKey>, CommandError> {
        Ok(if self.sign {
            Some(gmm::repo::identity::load_signer(store)?)
        } else {
            None
        })
    }

    pub fn to_stdout(&self) -> bool {
        self.output.as_deref().is_none_or(|p| p == Path::new("-"))
    }

    /// Writes through `write` (given the writer and a progress callback) to
    /// the output, with a progress bar, and moves a file into place at the end.
    pub fn write<T>(
        &self,
        ui: &super::ui::Ui,
        total: Option<u64>,
        write: impl FnOnce(&mut dyn Write, &mut dyn FnMut(u64, u64)) -> Result<T, CommandError>,
    ) -> Result<T, CommandError> {
        let binary = self.format() == gmm::exchange::Format::Binary;
        let mut output = Output::create(self.output.as_deref(), binary)?;
        let name = output.name();
        // A full disk or a closed device says which output failed.
        let named = |mut e: CommandError| {
            if e.code == super::error::EXIT_IO {
                e.message = format!("cannot write {name}: {}", e.message);
            }
            e
        };
        let mut progress = super::progress::Progress::new(ui.quiet, ui.json, total, "events");
        let result = {
            let mut writer = output.writer();
            let result = write(&mut *writer, &mut |n, total| {
                progress.set_total(total);
                progress.set(n)
            })
            .map_err(named)?;
            writer.flush().map_err(|e| named(e.into()))?;
            result
        };
        progress.finish();
        output.finish()?;
        Ok(result)
    }
}
