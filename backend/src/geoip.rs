//! Country lookup for client addresses (DESIGN "GeoIP").
//!
//! Owns the optional MMDB country database (`GEOIP_DB`): opening it memory-mapped,
//! checking that it really holds country codes, and turning an [`IpAddr`] into a
//! [`CountryCode`]. Two record layouts are read, so both the MaxMind GeoIP2 /
//! GeoLite2 Country databases and the free ip-location-db ones (`make geoip`) work:
//!
//! - GeoIP2: `country.iso_code`, falling back to `registered_country.iso_code`
//!   (MaxMind leaves `country` out for some anycast and satellite networks);
//! - flat: a top-level `country_code`.
//!
//! A lookup never fails: an address without a record, a record without a valid
//! code, or an IPv6 address in an IPv4-only database is simply "no country".

use std::fmt;
use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{MaxMindDbError, Mmap, Reader, WithinOptions};
use serde::Deserialize;

// The one country type of the crate (also used by the PoW policy and the API);
// re-exported so GeoIP callers need only this module.
pub use crate::country::CountryCode;

/// Why a country database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum GeoIpError {
    #[error("cannot read the GeoIP database {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a valid MaxMind DB (MMDB) file: {source}", path.display())]
    NotMmdb {
        path: PathBuf,
        #[source]
        source: MaxMindDbError,
    },
    #[error(
        "{} (database type {database_type:?}) is not a country database: none of its first \
         records has `country.iso_code`, `registered_country.iso_code` or `country_code`",
        path.display()
    )]
    NotCountryDb {
        path: PathBuf,
        database_type: String,
    },
}

/// An open, memory-mapped country database. Cheap to share behind an `Arc`.
pub struct GeoIp {
    reader: Reader<Mmap>,
}

impl fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoIp")
            .field("database", &self.description())
            .finish()
    }
}

/// The fields of either layout; everything else in a record is skipped unread.
#[derive(Deserialize)]
struct CountryRecord<'a> {
    #[serde(borrow, default)]
    country: Option<IsoCode<'a>>,
    #[serde(borrow, default)]
    registered_country: Option<IsoCode<'a>>,
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

impl CountryRecord<'_> {
    fn code(&self) -> Option<CountryCode> {
        let iso = |c: &Option<IsoCode<'_>>| c.as_ref()?.iso_code.and_then(CountryCode::parse);
        iso(&self.country)
            .or_else(|| iso(&self.registered_country))
            .or_else(|| self.country_code.and_then(CountryCode::parse))
    }
}

/// How many records `open` decodes to decide whether the file is a country
/// database: enough to get past a few code-less entries, cheap enough for start-up.
const SAMPLE_RECORDS: usize = 64;

impl GeoIp {
    /// Opens and memory-maps the database at `path`.
    ///
    /// Fails when the file is missing or unreadable, is not an MMDB file, or
    /// holds no country codes in either layout (e.g. an ASN or ISP database).
    pub fn open(path: &Path) -> Result<Self, GeoIpError> {
        let unreadable = |source| GeoIpError::Unreadable {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(unreadable)?;
        if !file.metadata().map_err(unreadable)?.is_file() {
            return Err(unreadable(std::io::Error::other("not a regular file")));
        }
        // SAFETY: the mapping is only read. It stays valid as long as nobody
        // truncates or rewrites the file in place; `make geoip` replaces it by
        // rename (a new inode), which leaves this mapping untouched.
        let map = unsafe { Mmap::map(&file) }.map_err(unreadable)?;
        let reader = Reader::from_source(map).map_err(|source| GeoIpError::NotMmdb {
            path: path.to_owned(),
            source,
        })?;
        let geoip = Self { reader };
        if !geoip.has_country_records() {
            return Err(GeoIpError::NotCountryDb {
                path: path.to_owned(),
                database_type: geoip.reader.metadata().database_type.clone(),
            });
        }
        Ok(geoip)
    }

    /// The country of `ip`, or `None` when the database has no code for it.
    /// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is looked up as the IPv4 address.
    pub fn country(&self, ip: IpAddr) -> Option<CountryCode> {
        let lookup = self.reader.lookup(ip.to_canonical()).ok()?;
        // A corrupt record is treated like a missing one: the listing is still
        // accepted, just without a country.
        lookup.decode::<CountryRecord<'_>>().ok()??.code()
    }

    /// One line for the start-up log: type, build time and shape of the database.
    pub fn description(&self) -> String {
        let meta = self.reader.metadata();
        format!(
            "{} (build epoch {}, IPv{} tree, {} nodes)",
            meta.database_type, meta.build_epoch, meta.ip_version, meta.node_count
        )
    }

    fn has_country_records(&self) -> bool {
        let Ok(networks) = self.reader.networks(WithinOptions::default()) else {
            return false;
        };
        networks
            .take(SAMPLE_RECORDS)
            .filter_map(Result::ok)
            .filter_map(|found| found.decode::<CountryRecord<'_>>().ok().flatten())
            .any(|record| record.code().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_prefers_country_then_registered_then_flat() {
        let rec = |country, registered, flat| CountryRecord {
            country: Some(IsoCode { iso_code: country }),
            registered_country: Some(IsoCode {
                iso_code: registered,
            }),
            country_code: flat,
        };
        let code = |s| CountryCode::parse(s);
        assert_eq!(rec(Some("DE"), Some("FR"), Some("US")).code(), code("DE"));
        assert_eq!(rec(None, Some("FR"), Some("US")).code(), code("FR"));
        assert_eq!(rec(Some("??"), Some("FR"), None).code(), code("FR"));
        assert_eq!(rec(None, None, Some("us")).code(), code("US"));
        assert_eq!(rec(None, None, Some("")).code(), None);
        assert_eq!(rec(None, None, None).code(), None);
    }

    #[test]
    fn geoip_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<GeoIp>();
    }

    #[test]
    fn missing_file_is_an_error_naming_the_path() {
        let path = Path::new("/nonexistent/powboard/geo.mmdb");
        let err = GeoIp::open(path).unwrap_err();
        assert!(matches!(err, GeoIpError::Unreadable { .. }), "{err:?}");
        assert!(
            err.to_string().contains("/nonexistent/powboard/geo.mmdb"),
            "{err}"
        );
    }

    #[test]
    fn directory_is_an_error() {
        let err = GeoIp::open(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
