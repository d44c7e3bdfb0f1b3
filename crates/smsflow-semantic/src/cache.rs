//! The example phrases' embeddings on disk, so that a restart does not embed the few thousand
//! built-in examples again (about a minute with e5 on a small machine).
//!
//! One file next to the installed model (`DATA_DIR/models/<name>/example-embeddings.bin`; a
//! reinstall replaces the folder and so clears it). An entry is found by a hash of its text. The
//! file also holds the model's embedding of a fixed probe text: a model, kernel or forward pass
//! that embeds differently gives another probe, and then the file is not used. The file is written
//! to a temporary name and renamed, so a reader sees a whole file or none; a file that does not
//! read back whole (bad length, bad checksum) is ignored with a warning and written again.
//!
//! Beside it, [`ClassifierFile`] keeps the goal classifier trained on the built-in examples (a
//! second or more of training at every start otherwise), written and checked the same way.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// The file's name in the model's folder.
pub const FILE_NAME: &str = "example-embeddings.bin";
/// The text embedded to tell whether the file was written by a model that embeds the same way.
pub const PROBE: &str = "smsflow example cache probe: ¿tienen turno el lunes? 10% off!";

const MAGIC: &[u8; 8] = b"SMSEMB01";
const CHECKSUM: usize = 32;

/// An example's text, hashed.
pub type TextKey = [u8; 16];

pub fn text_key(text: &str) -> TextKey {
    let digest = Sha256::digest(text.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// Why a cache file was not used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CacheError {
    #[error("it is damaged ({0})")]
    Corrupt(&'static str),
    #[error("it was written by a model that embeds differently")]
    Stale,
    #[error("cannot read it: {0}")]
    Read(String),
}

/// The cache file of one loaded model: `probe` is that model's embedding of [`PROBE`].
pub struct ExampleCache {
    path: PathBuf,
    probe: Vec<f32>,
}

impl ExampleCache {
    pub fn new(path: PathBuf, probe: Vec<f32>) -> ExampleCache {
        ExampleCache { path, probe }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The embeddings in the file; none when there is no file yet.
    pub fn read(&self) -> Result<HashMap<TextKey, Arc<[f32]>>, CacheError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => self.parse(&bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            Err(error) => Err(CacheError::Read(error.to_string())),
        }
    }

    fn parse(&self, bytes: &[u8]) -> Result<HashMap<TextKey, Arc<[f32]>>, CacheError> {
        let mut reader = Reader(checked_body(bytes)?);
        if reader.take(MAGIC.len())? != MAGIC {
            return Err(CacheError::Corrupt("not an embeddings file"));
        }
        let dimension = reader.u32()? as usize;
        let count = reader.u32()? as usize;
        if dimension != self.probe.len() || reader.floats(dimension)? != self.probe {
            return Err(CacheError::Stale);
        }
        let mut entries = HashMap::with_capacity(count);
        for _ in 0..count {
            let key: TextKey = reader.take(16)?.try_into().expect("16 bytes");
            entries.insert(key, reader.floats(dimension)?.into());
        }
        if !reader.0.is_empty() {
            return Err(CacheError::Corrupt("trailing bytes"));
        }
        Ok(entries)
    }

    /// Replaces the file with `entries`, atomically.
    pub fn write(&self, entries: &HashMap<TextKey, Arc<[f32]>>) -> std::io::Result<()> {
        let dimension = self.probe.len();
        let mut bytes = Vec::with_capacity(64 + (entries.len() + 1) * (16 + 4 * dimension));
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(dimension as u32).to_le_bytes());
        let whole: Vec<_> = entries
            .iter()
            .filter(|(_, vector)| vector.len() == dimension)
            .collect();
        bytes.extend_from_slice(&(whole.len() as u32).to_le_bytes());
        extend_floats(&mut bytes, &self.probe);
        for (key, vector) in whole {
            bytes.extend_from_slice(key);
            extend_floats(&mut bytes, vector);
        }
        write_checked(&self.path, bytes)
    }
}

/// The file name of the built-in examples' goal classifier in the model's folder.
pub const CLASSIFIER_FILE_NAME: &str = "builtin-classifier.bin";

const CLASSIFIER_MAGIC: &[u8; 8] = b"SMSCLF01";

/// The goal classifier the matcher trained on the built-in examples, kept under the key the matcher
/// gives it (a hash of what it learnt from: see `smsflow_core::semantic::Embedder::keep_classifier`).
/// One classifier a file: another key replaces it.
pub struct ClassifierFile {
    path: PathBuf,
}

impl ClassifierFile {
    pub fn new(path: PathBuf) -> ClassifierFile {
        ClassifierFile { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The classifier kept under `key`; none when there is no file or it keeps another key's.
    pub fn read(&self, key: u64) -> Result<Option<Vec<u8>>, CacheError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(CacheError::Read(error.to_string())),
        };
        let mut reader = Reader(checked_body(&bytes)?);
        if reader.take(CLASSIFIER_MAGIC.len())? != CLASSIFIER_MAGIC {
            return Err(CacheError::Corrupt("not a classifier file"));
        }
        let kept: [u8; 8] = reader.take(8)?.try_into().expect("8 bytes");
        Ok((u64::from_le_bytes(kept) == key).then(|| reader.0.to_vec()))
    }

    /// Replaces the file with `classifier` kept under `key`, atomically.
    pub fn write(&self, key: u64, classifier: &[u8]) -> std::io::Result<()> {
        let mut bytes = Vec::with_capacity(16 + classifier.len() + CHECKSUM);
        bytes.extend_from_slice(CLASSIFIER_MAGIC);
        bytes.extend_from_slice(&key.to_le_bytes());
        bytes.extend_from_slice(classifier);
        write_checked(&self.path, bytes)
    }
}

/// `bytes` without the checksum that ends them, if it is theirs.
fn checked_body(bytes: &[u8]) -> Result<&[u8], CacheError> {
    let body_length = bytes
        .len()
        .checked_sub(CHECKSUM)
        .ok_or(CacheError::Corrupt("too short"))?;
    let (body, checksum) = bytes.split_at(body_length);
    if Sha256::digest(body)[..] != *checksum {
        return Err(CacheError::Corrupt("checksum"));
    }
    Ok(body)
}

/// Writes `body` and its checksum to `path` through a temporary file renamed over it, so that a
/// reader sees a whole file or none. Two writers of the same path in one process must take turns.
fn write_checked(path: &Path, mut body: Vec<u8>) -> std::io::Result<()> {
    let checksum = Sha256::digest(&body);
    body.extend_from_slice(&checksum);
    // A name of this process's own, so two processes writing at once never mix their bytes.
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(&body)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

fn extend_floats(bytes: &mut Vec<u8>, floats: &[f32]) {
    for float in floats {
        bytes.extend_from_slice(&float.to_le_bytes());
    }
}

/// Reads the file's fields in order; running out of bytes is damage.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, length: usize) -> Result<&'a [u8], CacheError> {
        if self.0.len() < length {
            return Err(CacheError::Corrupt("truncated"));
        }
        let (taken, rest) = self.0.split_at(length);
        self.0 = rest;
        Ok(taken)
    }

    fn u32(&mut self) -> Result<u32, CacheError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn floats(&mut self, count: usize) -> Result<Vec<f32>, CacheError> {
        let bytes = self.take(
            count
                .checked_mul(4)
                .ok_or(CacheError::Corrupt("too long"))?,
        )?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> HashMap<TextKey, Arc<[f32]>> {
        HashMap::from([
            (
                text_key("quiero una cita"),
                Arc::from(vec![0.6f32, 0.8, 0.0]),
            ),
            (
                text_key("the sink leaks"),
                Arc::from(vec![0.0f32, -1.0, 0.0]),
            ),
        ])
    }

    #[test]
    fn reads_back_what_it_wrote_and_nothing_when_there_is_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ExampleCache::new(dir.path().join(FILE_NAME), vec![1.0, 0.0, 0.0]);
        assert!(cache.read().unwrap().is_empty());
        cache.write(&entries()).unwrap();
        assert_eq!(cache.read().unwrap(), entries());
        // Only the file is left: the temporary was renamed.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn keeps_one_classifier_under_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = ClassifierFile::new(dir.path().join(CLASSIFIER_FILE_NAME));
        assert_eq!(file.read(7), Ok(None));
        file.write(7, b"weights").unwrap();
        assert_eq!(file.read(7), Ok(Some(b"weights".to_vec())));
        assert_eq!(file.read(8), Ok(None), "another key's");
        file.write(8, b"others").unwrap();
        assert_eq!(file.read(7), Ok(None));
        assert_eq!(file.read(8), Ok(Some(b"others".to_vec())));
        let mut bytes = std::fs::read(file.path()).unwrap();
        bytes[12] ^= 1;
        std::fs::write(file.path(), &bytes).unwrap();
        assert_eq!(file.read(8), Err(CacheError::Corrupt("checksum")));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn texts_are_told_apart_by_their_hash() {
        assert_eq!(text_key("hola"), text_key("hola"));
        assert_ne!(text_key("hola"), text_key("hola "));
    }

    #[test]
    fn another_model_or_a_damaged_file_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        ExampleCache::new(path.clone(), vec![1.0, 0.0, 0.0])
            .write(&entries())
            .unwrap();
        // Another model: its probe differs, even by one bit.
        let other = ExampleCache::new(path.clone(), vec![1.0, 0.0, f32::from_bits(1)]);
        assert_eq!(other.read(), Err(CacheError::Stale));
        let cache = ExampleCache::new(path.clone(), vec![1.0, 0.0, 0.0]);
        let good = std::fs::read(&path).unwrap();
        for damage in [
            |bytes: &mut Vec<u8>| bytes[40] ^= 1,
            |bytes: &mut Vec<u8>| bytes.truncate(bytes.len() - 5),
            |bytes: &mut Vec<u8>| bytes.truncate(10),
            |bytes: &mut Vec<u8>| bytes.clear(),
        ] {
            let mut bytes = good.clone();
            damage(&mut bytes);
            std::fs::write(&path, &bytes).unwrap();
            assert!(
                matches!(cache.read(), Err(CacheError::Corrupt(_))),
                "{:?}",
                cache.read()
            );
        }
        // Written again, it is good again.
        cache.write(&entries()).unwrap();
        assert_eq!(cache.read().unwrap(), entries());
    }
}
