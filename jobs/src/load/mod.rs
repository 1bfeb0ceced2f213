//! Pure parsers: dataset bytes in, entity ActiveModels out.
//!
//! Every parser takes the file's bytes and the `ingested_at` instant to stamp
//! (the caller's "now", so tests are deterministic) and returns ActiveModels
//! whose auto-increment `id` is left unset for the database to assign. Errors
//! carry the 1-based line number of the offending CSV record.

pub mod air_quality;
pub mod aqi;
pub mod image;
pub mod power;
mod time;
pub mod traffic;

use csv::StringRecord;

/// Why a CSV dataset could not be turned into rows.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The CSV reader failed (bad quoting, invalid UTF-8, ragged record).
    #[error("line {line}: malformed CSV: {source}")]
    Csv {
        line: u64,
        #[source]
        source: csv::Error,
    },
    /// The header row lacks a column the parser needs.
    #[error("missing column `{0}` in the header row")]
    MissingColumn(&'static str),
    /// A record has fewer fields than the header.
    #[error("line {line}: no value for column `{column}`")]
    MissingField { line: u64, column: &'static str },
    /// A field that must be a number is not one.
    #[error("line {line}: column `{column}`: `{value}` is not a number")]
    Number {
        line: u64,
        column: &'static str,
        value: String,
    },
    /// A number is outside the range the column allows.
    #[error("line {line}: column `{column}`: {value} is out of range")]
    OutOfRange {
        line: u64,
        column: &'static str,
        value: f64,
    },
    /// A field that must be a timestamp does not match the expected format.
    #[error("line {line}: `{value}` is not a time in the format `{format}`")]
    Time {
        line: u64,
        value: String,
        format: &'static str,
    },
    /// A row carries data for a local time that its zone skips (DST gap).
    #[error("line {line}: local time {value} does not exist in {zone} (daylight-saving gap)")]
    NonexistentLocalTime {
        line: u64,
        value: String,
        zone: &'static str,
    },
    /// The same series instant appears more often than the clock allows.
    #[error("line {line}: duplicate time {value}")]
    DuplicateTime { line: u64, value: String },
    /// A row names a station that `stations.csv` does not list.
    #[error("line {line}: unknown station `{station}`")]
    UnknownStation { line: u64, station: String },
}

/// A named column of a CSV file, found by header name so a reordered file
/// still parses and a renamed one fails loudly.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col {
    index: usize,
    name: &'static str,
}

/// A CSV file with its header row read.
pub(crate) struct CsvFile<'a> {
    bytes: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    headers: StringRecord,
}

impl<'a> CsvFile<'a> {
    /// Reads the header row; CRLF and LF line ends are both accepted.
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Self, ParseError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|source| ParseError::Csv { line: 1, source })?
            .clone();
        Ok(Self {
            bytes,
            reader,
            headers,
        })
    }

    /// The column called `name` (surrounding spaces ignored).
    pub(crate) fn column(&self, name: &'static str) -> Result<Col, ParseError> {
        let index = self
            .headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or(ParseError::MissingColumn(name))?;
        Ok(Col { index, name })
    }

    /// The data records in file order, each with its 1-based line number.
    ///
    /// Lines are counted here from byte offsets: with CRLF line ends the csv
    /// crate reports a record as starting at the previous line's `\n`, one
    /// line too early.
    pub(crate) fn rows(&mut self) -> impl Iterator<Item = Result<Row, ParseError>> + use<'_, 'a> {
        let mut lines = LineCounter {
            bytes: self.bytes,
            offset: 0,
            line: 1,
        };
        self.reader.records().map(move |record| match record {
            Ok(record) => Ok(Row {
                line: record.position().map_or(0, |p| lines.line_at(p.byte())),
                record,
            }),
            Err(source) => {
                let line = source.position().map_or(0, |p| lines.line_at(p.byte()));
                Err(ParseError::Csv { line, source })
            }
        })
    }
}

/// Turns increasing byte offsets into line numbers in one pass.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// Line of the first character at or after `byte` that ends no line.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut at = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while at < self.bytes.len() && matches!(self.bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > self.offset {
            let newlines = self.bytes[self.offset..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = at;
        }
        self.line
    }
}

/// One CSV record and the line it starts on.
pub(crate) struct Row {
    pub(crate) line: u64,
    record: StringRecord,
}

impl Row {
    /// The trimmed text of `col`.
    pub(crate) fn text(&self, col: Col) -> Result<&str, ParseError> {
        self.record
            .get(col.index)
            .map(str::trim)
            .ok_or(ParseError::MissingField {
                line: self.line,
                column: col.name,
            })
    }

    /// `col` as a finite number.
    pub(crate) fn number(&self, col: Col) -> Result<f64, ParseError> {
        let text = self.text(col)?;
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(value),
            _ => Err(ParseError::Number {
                line: self.line,
                column: col.name,
                value: text.to_owned(),
            }),
        }
    }

    /// `col` as a number, or `None` when the field is empty or equals `missing`
    /// (the dataset's own marker, e.g. `NA`).
    pub(crate) fn optional_number(
        &self,
        col: Col,
        missing: &str,
    ) -> Result<Option<f64>, ParseError> {
        let text = self.text(col)?;
        if text.is_empty() || text == missing {
            return Ok(None);
        }
        self.number(col).map(Some)
    }

    /// `col` as a number that must not be negative (a count or concentration).
    pub(crate) fn non_negative(
        &self,
        value: Option<f64>,
        col: Col,
    ) -> Result<Option<f64>, ParseError> {
        match value {
            Some(v) if v < 0.0 => Err(ParseError::OutOfRange {
                line: self.line,
                column: col.name,
                value: v,
            }),
            other => Ok(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_name_and_rows_carry_line_numbers() {
        let mut file = CsvFile::open(b"b,a\r\n2,1\r\n4,NA\r\n").expect("header");
        let a = file.column("a").expect("column a");
        let rows: Vec<Row> = file.rows().collect::<Result<_, _>>().expect("rows");
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].number(a).expect("number"), 1.0);
        assert_eq!(rows[1].optional_number(a, "NA").expect("NA"), None);
        assert!(matches!(
            file.column("c"),
            Err(ParseError::MissingColumn("c"))
        ));
    }

    #[test]
    fn a_bad_number_names_its_line_and_column() {
        let mut file = CsvFile::open(b"a\n1\nx\n").expect("header");
        let a = file.column("a").expect("column a");
        let err = file
            .rows()
            .map(|r| r.and_then(|r| r.number(a)))
            .find_map(Result::err);
        assert!(
            matches!(
                err,
                Some(ParseError::Number {
                    line: 3,
                    column: "a",
                    ..
                })
            ),
            "{err:?}"
        );
    }
}
