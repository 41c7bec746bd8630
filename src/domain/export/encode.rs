//! How exported rows are written: CSV (RFC 4180, header row, CRLF line
//! ends) or NDJSON (one JSON object a line, the same fields as the JSON
//! API's items). Pure functions over a byte buffer, so every quoting rule
//! is a unit test.

use crate::model::{Candle, LevelCount, LogLine, Tick, time};
use serde::Serialize;
use std::fmt::Write as _;

/// An export's file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// `csv` or `ndjson` (the `format` query parameter).
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "csv" => Some(Format::Csv),
            "ndjson" => Some(Format::Ndjson),
            _ => None,
        }
    }

    /// The file name extension, also the `format` parameter's value.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }

    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

/// A row type that can be exported: its CSV columns and its JSON form.
pub trait Row: Serialize + Send + 'static {
    /// The CSV header row's column names.
    const COLUMNS: &'static [&'static str];

    /// Appends the row's CSV fields, in [`Row::COLUMNS`] order.
    fn csv_fields(&self, out: &mut Fields<'_>);
}

impl Row for Tick {
    const COLUMNS: &'static [&'static str] = &["seq", "ts", "symbol", "price", "size"];

    fn csv_fields(&self, out: &mut Fields<'_>) {
        out.int(self.seq).time(&self.ts).text(&self.symbol).number(self.price).number(self.size);
    }
}

impl Row for LogLine {
    const COLUMNS: &'static [&'static str] = &["seq", "ts", "level", "source", "message"];

    fn csv_fields(&self, out: &mut Fields<'_>) {
        out.int(self.seq).time(&self.ts).text(&self.level).text(&self.source).text(&self.message);
    }
}

impl Row for Candle {
    const COLUMNS: &'static [&'static str] = &["t", "open", "high", "low", "close", "volume"];

    fn csv_fields(&self, out: &mut Fields<'_>) {
        out.time(&self.t).number(self.open).number(self.high).number(self.low).number(self.close).number(self.volume);
    }
}

impl Row for LevelCount {
    const COLUMNS: &'static [&'static str] = &["t", "level", "lines"];

    fn csv_fields(&self, out: &mut Fields<'_>) {
        out.time(&self.t).text(&self.level).int(self.lines);
    }
}

/// Appends what comes before the first row: the CSV header (nothing for NDJSON).
pub fn header<R: Row>(format: Format, out: &mut Vec<u8>) {
    if format == Format::Csv {
        let mut fields = Fields::new(out);
        for name in R::COLUMNS {
            fields.text(name);
        }
        fields.end();
    }
}

/// Appends one row, line end included.
pub fn row<R: Row>(format: Format, row: &R, out: &mut Vec<u8>) {
    match format {
        Format::Csv => {
            let mut fields = Fields::new(out);
            row.csv_fields(&mut fields);
            fields.end();
        }
        Format::Ndjson => {
            // Serializing these plain structs into a Vec cannot fail.
            if serde_json::to_writer(&mut *out, row).is_ok() {
                out.push(b'\n');
            }
        }
    }
}

/// One CSV record being written: fields separated by commas, ended by CRLF.
pub struct Fields<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Fields<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Fields { out, first: true }
    }

    fn separate(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
    }

    /// An integer, as digits.
    pub fn int(&mut self, n: i64) -> &mut Self {
        self.separate();
        self.push_display(n);
        self
    }

    /// A float in its shortest form that reads back exactly (`189.52`, `100`).
    pub fn number(&mut self, n: f64) -> &mut Self {
        self.separate();
        self.push_display(n);
        self
    }

    /// A time as the API writes it (RFC 3339, milliseconds, UTC).
    pub fn time(&mut self, t: &chrono::DateTime<chrono::Utc>) -> &mut Self {
        self.separate();
        self.out.extend_from_slice(time::format(t).as_bytes());
        self
    }

    /// Text, in double quotes when it needs them (see [`needs_quotes`]),
    /// with each `"` doubled.
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.separate();
        if needs_quotes(s) {
            self.out.push(b'"');
            for part in s.split_inclusive('"') {
                self.out.extend_from_slice(part.as_bytes());
                if part.ends_with('"') {
                    self.out.push(b'"');
                }
            }
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(s.as_bytes());
        }
        self
    }

    fn end(self) {
        self.out.extend_from_slice(b"\r\n");
    }

    fn push_display(&mut self, value: impl std::fmt::Display) {
        let mut text = String::new();
        let _ = write!(text, "{value}");
        self.out.extend_from_slice(text.as_bytes());
    }
}

/// Whether a text field must be quoted: RFC 4180 asks it for `"`, `,`, CR
/// and LF; it is also done for the empty string, for text with leading or
/// trailing spaces (which some readers trim), and for text starting with
/// `=`, `+`, `-`, `@` or a tab, which spreadsheets may take for a formula
/// (those that keep quoted fields as text then do). The text itself is
/// never altered: the file holds exactly what was stored.
pub fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.starts_with(['=', '+', '-', '@', '\t', ' '])
        || s.ends_with(' ')
        || s.contains(['"', ',', '\n', '\r'])
}

#[cfg(test)]
mod tests;
