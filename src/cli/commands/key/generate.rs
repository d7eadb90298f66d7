//! `gmm key generate`: standalone key pairs for scripts and tests.

use gmm::json::KeyJson;
use std::path::Path;
use std::path::PathBuf;

use gmm::model::keys;
use gmm::model::keys::SecretKey;

use crate::cli::error::CommandError;
use crate::cli::ui::Ui;

/// Write a new key pair to FILE (mode 0600) and FILE's .pub
///
/// The public key file is FILE with `.key` replaced by `.pub` (or `.pub`
/// appended). Prints the public key. Existing files are never overwritten
/// without --force. `-o -` prints the secret key file on stdout instead.
///
/// Examples:
///   gmm key generate -o bob.key        # bob.key and bob.pub
///   bob=$(gmm key generate -o bob.key)
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Where to write the secret key (`-` for stdout)
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Overwrite existing key files
    #[arg(long)]
    force: bool,
}

/// `alice.key` → `alice.pub`; anything else gets `.pub` appended.
fn public_path(secret: &Path) -> PathBuf {
    match secret.extension() {
        Some(ext) if ext == "key" => secret.with_extension("pub"),
        _ => {
            let mut name = secret.as_os_str().to_owned();
            name.push(".pub");
            PathBuf::from(name)
        }
    }
}

pub fn run(ui: &mut Ui, args: Args) -> Result<u8, CommandError> {
    let key = SecretKey::generate();
    if args.output == Path::new("-") {
        ui.out().write_all(key.to_file_text().as_bytes())?;
        return Ok(0);
    }
    let public = public_path(&args.output);
    if !args.force {
        for path in [&args.output, &public] {
            if path.exists() {
                return Err(gmm::Error::from(keys::KeyError::Exists { path: path.clone() }).into());
            }
        }
    }
    key.save(&args.output, args.force)?;
    keys::save_public(&key.public(), &public, args.force)?;
    if ui.json {
        ui.json_line(&KeyJson {
            key: key.public().to_hex(),
            secret_file: args.output.display().to_string(),
            public_file: public.display().to_string(),
        })?;
    } else {
        ui.line(&key.public().to_hex())?;
        ui.status(&format!(
            "wrote {} and {}",
            args.output.display(),
            public.display()
        ));
    }
    Ok(0)
}
