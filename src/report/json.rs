//! The JSON report: the [`Analysis`] serialised with `schema_version` first, pretty-printed,
//! ending in a newline. Byte-identical for the same input and seed.
//!
//! The output is exactly `serde_json::to_string_pretty(analysis)` plus a newline. [`write`]
//! streams it: the long lists (documents, units, dropped units) are serialised in parallel
//! chunks (Rayon) into reused buffers, each chunk by a [`Nested`] formatter that starts at the
//! chunk's depth, and the buffers are written in order.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::Formatter;

use crate::analysis::Analysis;
use crate::error::{Error, Result};

/// Elements per parallel chunk of a long list.
const CHUNK: usize = 1024;
/// Chunks serialised (in parallel) before their buffers are written out and reused.
const BATCH: usize = 16;

/// Serialises the analysis as pretty JSON.
pub fn render(analysis: &Analysis) -> Result<String> {
    let mut out = Vec::new();
    write(analysis, &mut out).map_err(|e| Error::Numeric {
        stage: "JSON report",
        reason: e.to_string(),
    })?;
    String::from_utf8(out).map_err(|e| Error::Numeric {
        stage: "JSON report",
        reason: e.to_string(),
    })
}

/// Writes the analysis as pretty JSON (what [`render`] returns) to `out`, buffered, without
/// holding the whole text in memory.
pub fn write(analysis: &Analysis, out: &mut (dyn Write + Send)) -> io::Result<()> {
    // Every field by name: a new field of `Analysis` must be added here too (and the tests
    // compare this with serde_json's own rendering).
    let Analysis {
        schema_version,
        params,
        corpus,
        themes,
        coherence,
        phrases,
        documents,
        units,
        unassigned,
        dropped,
        timeline,
        sources,
        map: _,
        lineage,
        warnings: _,
        inputs: _,
    } = analysis;
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut buffers = [Vec::new(), Vec::new()];
    out.write_all(b"{\n  \"schema_version\": ")?;
    write_pretty(&mut out, schema_version, 1)?;
    out.write_all(b",\n  \"params\": ")?;
    write_pretty(&mut out, params, 1)?;
    out.write_all(b",\n  \"corpus\": ")?;
    write_pretty(&mut out, corpus, 1)?;
    out.write_all(b",\n  \"themes\": ")?;
    write_pretty(&mut out, themes, 1)?;
    out.write_all(b",\n  \"coherence\": ")?;
    write_pretty(&mut out, coherence, 1)?;
    out.write_all(b",\n  \"phrases\": ")?;
    write_pretty(&mut out, phrases, 1)?;
    out.write_all(b",\n  \"documents\": ")?;
    write_list(&mut out, documents, &mut buffers)?;
    out.write_all(b",\n  \"units\": ")?;
    write_list(&mut out, units, &mut buffers)?;
    if let Some(unassigned) = unassigned {
        out.write_all(b",\n  \"unassigned\": ")?;
        write_pretty(&mut out, unassigned, 1)?;
    }
    out.write_all(b",\n  \"dropped\": ")?;
    write_list(&mut out, dropped, &mut buffers)?;
    if let Some(timeline) = timeline {
        out.write_all(b",\n  \"timeline\": ")?;
        write_pretty(&mut out, timeline, 1)?;
    }
    if let Some(sources) = sources {
        out.write_all(b",\n  \"sources\": ")?;
        write_pretty(&mut out, sources, 1)?;
    }
    if let Some(lineage) = lineage {
        out.write_all(b",\n  \"lineage\": ")?;
        write_pretty(&mut out, lineage, 1)?;
    }
    out.write_all(b"\n}\n")?;
    out.flush()
}

/// Writes a list that is a field of the top-level object: batches of its elements are
/// serialised in parallel chunks into `buffers` (two sets, reused from list to list), and each
/// batch is written out while the next one is serialised.
fn write_list<T: Serialize + Sync>(
    out: &mut (impl Write + Send),
    items: &[T],
    buffers: &mut [Vec<Vec<u8>>; 2],
) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let [mut ready, mut next] = std::mem::take(buffers);
    let mut n_ready = 0;
    for (b, batch) in items.chunks(CHUNK * BATCH).enumerate() {
        let (written, n_next) = rayon::join(
            || {
                ready[..n_ready]
                    .iter()
                    .try_for_each(|buffer| out.write_all(buffer))
            },
            || serialise_batch(&mut next, b == 0, batch),
        );
        written?;
        n_ready = n_next?;
        std::mem::swap(&mut ready, &mut next);
    }
    ready[..n_ready]
        .iter()
        .try_for_each(|buffer| out.write_all(buffer))?;
    *buffers = [ready, next];
    out.write_all(b"\n  ]")
}

/// Serialises `batch` (the list's first when `first`) in parallel chunks into `buffers`, each
/// element after its separator, and returns the number of buffers filled.
fn serialise_batch<T: Serialize + Sync>(
    buffers: &mut Vec<Vec<u8>>,
    first: bool,
    batch: &[T],
) -> io::Result<usize> {
    let n_chunks = batch.len().div_ceil(CHUNK);
    if buffers.len() < n_chunks {
        buffers.resize_with(n_chunks, Vec::new);
    }
    buffers[..n_chunks]
        .par_iter_mut()
        .zip(batch.par_chunks(CHUNK))
        .enumerate()
        .try_for_each(|(c, (buffer, chunk))| {
            buffer.clear();
            for (i, item) in chunk.iter().enumerate() {
                let separator = if first && c == 0 && i == 0 {
                    b"\n    ".as_slice()
                } else {
                    b",\n    ".as_slice()
                };
                buffer.extend_from_slice(separator);
                write_pretty(buffer, item, 2)?;
            }
            Ok::<_, io::Error>(())
        })?;
    Ok(n_chunks)
}

/// Writes `value` pretty-printed as a value `depth` levels deep in the document.
fn write_pretty<W: Write, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
    depth: usize,
) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Nested::at(depth));
    // `From` hands back the writer's own error (a closed pipe stays a closed pipe).
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// serde_json's pretty layout (two-space indents) for a value that sits `depth` levels deep
/// in the document, so it can be rendered on its own and pasted in place.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn at(depth: usize) -> Self {
        Nested {
            depth,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + io::Write>(&self, writer: &mut W, comma: bool) -> io::Result<()> {
        writer.write_all(if comma { b",\n" } else { b"\n" })?;
        for _ in 0..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            self.newline(writer, false)?;
        }
        writer.write_all(bracket)
    }
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.newline(writer, !first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.newline(writer, !first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_render_as_serde_renders_them() {
        #[derive(Serialize)]
        struct Item {
            name: String,
            values: Vec<u32>,
            nested: Option<Vec<(u8, f64)>>,
        }
        for n in [
            0,
            1,
            2,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            CHUNK * BATCH,
            CHUNK * BATCH + 3 * CHUNK + 5,
        ] {
            let items: Vec<Item> = (0..n)
                .map(|i| Item {
                    name: format!("第{i}项\n\"引号\"\t"),
                    values: (0..(i % 4) as u32).collect(),
                    nested: (i % 3 == 0).then(|| vec![(1, 0.5), (2, -1e-7)]),
                })
                .collect();
            #[derive(Serialize)]
            struct Top<'a> {
                items: &'a [Item],
            }
            let expected = serde_json::to_string_pretty(&Top { items: &items }).unwrap();
            let mut list = Vec::new();
            write_list(&mut list, &items, &mut [Vec::new(), Vec::new()]).unwrap();
            let got = format!("{{\n  \"items\": {}\n}}", String::from_utf8(list).unwrap());
            assert_eq!(got, expected, "n = {n}");
        }
    }

    #[test]
    fn nested_values_render_as_serde_renders_them() {
        let value = serde_json::json!({
            "a": [], "b": {}, "c": [[], [1, [2, {}]], {"d": null}], "e": "x\ny", "f": 1.5
        });
        let pretty = |depth| {
            let mut out = Vec::new();
            write_pretty(&mut out, &value, depth).unwrap();
            String::from_utf8(out).unwrap()
        };
        let expected = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(pretty(0), expected);
        assert_eq!(pretty(2), expected.replace('\n', "\n    "));
    }

    /// A writer that takes `room` bytes, then fails as a pipe closed by its reader does.
    struct ClosedAfter {
        room: usize,
    }

    impl Write for ClosedAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_reported_as_one_wherever_it_closes() {
        // `zhuti --format json | head -c 100`: the CLI stays quiet only on BrokenPipe, which
        // must come through the sections serde writes as well as the long lists.
        let value = serde_json::json!({"terms": vec!["芯片"; 50_000]});
        let mut out = ClosedAfter { room: 100 };
        let err = write_pretty(&mut out, &value, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        let corpus = crate::stages::ingest::load(&crate::seeds::bundled()).unwrap();
        let analysis =
            crate::analyze(&corpus, &crate::Settings::default(), &crate::NoProgress).unwrap();
        for room in [0, 100, 70_000] {
            let err = write(&analysis, &mut ClosedAfter { room }).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "room {room}");
        }
    }

    #[test]
    fn the_report_is_serde_json_pretty_plus_a_newline() {
        let corpus = crate::stages::ingest::load(&crate::seeds::bundled()).unwrap();
        let analysis =
            crate::analyze(&corpus, &crate::Settings::default(), &crate::NoProgress).unwrap();
        assert!(!analysis.units.is_empty() && !analysis.dropped.is_empty());
        let expected = serde_json::to_string_pretty(&analysis).unwrap() + "\n";
        assert_eq!(render(&analysis).unwrap(), expected);
        // Empty lists too.
        let mut empty = analysis.clone();
        empty.documents.clear();
        empty.dropped.clear();
        let expected = serde_json::to_string_pretty(&empty).unwrap() + "\n";
        assert_eq!(render(&empty).unwrap(), expected);
    }
}
