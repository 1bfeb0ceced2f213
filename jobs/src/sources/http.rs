//! The `http` source: GET each configured URL with a whole-request timeout,
//! a status check and a body-size limit, then decode the configured format.
//! Every failure is an error of the run, recorded with its reason; nothing
//! is written unless every URL of the run succeeded and decoded.

use std::time::Duration;

use secrecy::ExposeSecret;

use super::{generic, native, openaq, FetchContext, Fetched, SourceError};
use crate::batch::Batch;
use crate::settings::{HttpFormat, HttpSettings};
use crate::unit::Unit;

/// Polls URLs for one unit.
pub struct HttpSource {
    unit: Unit,
    settings: HttpSettings,
    client: reqwest::Client,
}

impl HttpSource {
    /// A client with the configured timeout.
    pub fn new(unit: Unit, settings: HttpSettings) -> Result<Self, SourceError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_secs))
            .user_agent(concat!("zkcity/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SourceError::Transport {
                url: String::new(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            unit,
            settings,
            client,
        })
    }

    /// Fetches and decodes every URL into one batch.
    pub async fn fetch(&self, ctx: &FetchContext<'_>) -> Result<Fetched, SourceError> {
        let mut bodies = Vec::new();
        for url in &self.settings.urls {
            bodies.push((source_label(url), self.get(url).await?));
        }
        let mut batch = Batch::default();
        if self.settings.format == HttpFormat::OpenaqV3 {
            // One sensor per URL: an hour's parameters merge across bodies.
            let station = self.settings.station_id.as_deref().unwrap_or_default();
            batch = openaq::parse_measurements(
                bodies.iter().map(|(_, b)| b.as_slice()),
                station,
                ctx.now,
            )?;
        } else {
            for (label, body) in &bodies {
                batch.extend(decode(self.settings.format, body, label, &self.settings, ctx).await?);
            }
        }
        if let Some(table) = batch.foreign_table(self.unit) {
            return Err(SourceError::Malformed(format!(
                "the feed has `{table}` rows, which are not {} data",
                self.unit
            )));
        }
        batch.dedup();
        Ok(Fetched {
            batch,
            cursor: None,
            note: None,
            on_commit: None,
        })
    }

    /// GETs `url`, enforcing status and size.
    async fn get(&self, url: &str) -> Result<Vec<u8>, SourceError> {
        let mut request = self.client.get(url);
        if let Some(key) = &self.settings.api_key {
            request = request.header("X-API-Key", key.expose_secret());
        }
        let mut response = request.send().await.map_err(|e| self.classify(url, e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(SourceError::Status {
                status: status.as_u16(),
                url: url.to_owned(),
            });
        }
        let limit = self.settings.max_body_bytes;
        let too_large = || SourceError::TooLarge {
            url: url.to_owned(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(url, e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn classify(&self, url: &str, e: reqwest::Error) -> SourceError {
        if e.is_timeout() {
            SourceError::Timeout {
                url: url.to_owned(),
                secs: self.settings.timeout_secs,
            }
        } else {
            // `without_url` keeps query strings (possibly keys) out of the message.
            SourceError::Transport {
                url: url.to_owned(),
                reason: e.without_url().to_string(),
            }
        }
    }
}

/// `http:<host>` — the `source` of rows whose records name none.
fn source_label(url: &str) -> String {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    format!("http:{}", host.unwrap_or_default())
}

/// Decodes one body in `format`.
async fn decode(
    format: HttpFormat,
    body: &[u8],
    label: &str,
    settings: &HttpSettings,
    ctx: &FetchContext<'_>,
) -> Result<Batch, SourceError> {
    match format {
        HttpFormat::Ndjson => generic::parse_ndjson(body, label, ctx.now),
        HttpFormat::Csv => generic::parse_csv(body, label, ctx.now),
        HttpFormat::OpenaqV3 => {
            let station = settings.station_id.as_deref().unwrap_or_default();
            openaq::parse_measurements([body], station, ctx.now)
        }
        HttpFormat::UciBeijingCsv => native::uci_beijing(body, ctx).await,
        HttpFormat::EntsoeBeCsv => native::entsoe_be(body, ctx.now),
        HttpFormat::MndotI94Csv => native::mndot_i94(body, ctx.now),
    }
}
