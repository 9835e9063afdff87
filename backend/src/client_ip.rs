//! Who is asking: the client address and the client key that budgets and PoW tokens
//! are bound to.
//!
//! The address is the TCP peer, unless the peer is a trusted proxy
//! (`TRUSTED_PROXIES`): then `X-Forwarded-For` is walked from the right, skipping
//! trusted hops, and the first untrusted address is the client. The leftmost entry
//! is whatever the client wrote and is never believed; `X-Real-IP`, `Forwarded` and
//! test headers are never read.
use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
};

use crate::{country::CountryCode, geoip::GeoIp, secrets::SecretKey};
use axum::http::HeaderMap;
use hmac::Mac;
use ipnet::IpNet;

/// An address grouped the way one subscriber holds addresses: IPv4 by /32 and IPv6
/// by /64 by default. IPv4-mapped IPv6 addresses are IPv4. Stored as bytes (18
/// bytes, alignment 1) rather than u128: a million tracked keys then fit the
/// limiter's memory target.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ClientKey {
    V4 { net: [u8; 4], prefix: u8 },
    V6 { net: [u8; 16], prefix: u8 },
}

impl ClientKey {
    pub fn new(addr: IpAddr, v4_prefix: u8, v6_prefix: u8) -> Self {
        match addr.to_canonical() {
            IpAddr::V4(a) => Self::v4(u32::from(a), v4_prefix),
            IpAddr::V6(a) => Self::v6(u128::from(a), v6_prefix),
        }
    }

    fn v4(addr: u32, prefix: u8) -> Self {
        let prefix = prefix.min(32);
        let mask = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        };
        Self::V4 {
            net: (addr & mask).to_be_bytes(),
            prefix,
        }
    }

    fn v6(addr: u128, prefix: u8) -> Self {
        let prefix = prefix.min(128);
        let mask = if prefix == 0 {
            0
        } else {
            u128::MAX << (128 - prefix)
        };
        Self::V6 {
            net: (addr & mask).to_be_bytes(),
            prefix,
        }
    }

    /// HMAC-SHA256 of the key with `IP_HASH_SALT`: what the database stores.
    pub fn hash(&self, salt: &SecretKey) -> [u8; 32] {
        let mut mac = salt.mac();
        mac.update(self.to_string().as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::V4 { net, prefix } => write!(f, "{}/{prefix}", Ipv4Addr::from(net)),
            Self::V6 { net, prefix } => write!(f, "{}/{prefix}", Ipv6Addr::from(net)),
        }
    }
}

impl ClientKey {
    /// When the limiter's table is full, new clients share a budget with their
    /// neighbourhood: IPv4 /16, IPv6 /48 (a site). None: already that coarse.
    pub fn coarser(&self) -> Option<Self> {
        match *self {
            Self::V4 { net, prefix } if prefix > 16 => Some(Self::v4(u32::from_be_bytes(net), 16)),
            Self::V6 { net, prefix } if prefix > 48 => Some(Self::v6(u128::from_be_bytes(net), 48)),
            _ => None,
        }
    }
}

/// The address and key of the client of one request, put into the request's
/// extensions by the client-identity layer.
#[derive(Clone, Copy, Debug)]
pub struct ClientIdentity {
    pub addr: IpAddr,
    pub key: ClientKey,
}

#[derive(Clone, Debug)]
pub struct ClientIpConfig {
    pub trusted_proxies: Vec<IpNet>,
    pub v4_prefix: u8,
    pub v6_prefix: u8,
}

impl ClientIpConfig {
    fn is_trusted(&self, addr: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&addr))
    }

    /// The client address of a request that arrived from `peer`.
    pub fn client_addr(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
        let mut client = peer.to_canonical();
        if !self.is_trusted(client) {
            return client;
        }
        // All X-Forwarded-For lines form one list, in order; walk it from the right.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(addr) => {
                    client = addr.to_canonical();
                    if !self.is_trusted(client) {
                        return client;
                    }
                }
                // A malformed entry ends the chain: the last hop we could verify stands.
                None => return client,
            }
        }
        client
    }

    pub fn identify(&self, peer: IpAddr, headers: &HeaderMap) -> ClientIdentity {
        let addr = self.client_addr(peer, headers);
        ClientIdentity {
            addr,
            key: ClientKey::new(addr, self.v4_prefix, self.v6_prefix),
        }
    }
}

/// Everything that turns a request into its client, shared by the client-identity
/// layer and the features: the address rules, the salt of the stored hash, and the
/// optional country database.
pub struct Clients {
    ip: ClientIpConfig,
    ip_salt: SecretKey,
    geoip: Option<GeoIp>,
}

/// What the features store and price about a client: the keyed hash of its key
/// (never the address) and its country.
#[derive(Clone, Copy, Debug)]
pub struct ClientProfile {
    pub ip_hash: [u8; 32],
    pub country: Option<CountryCode>,
}

impl Clients {
    pub fn new(ip: ClientIpConfig, ip_salt: SecretKey, geoip: Option<GeoIp>) -> Self {
        Self { ip, ip_salt, geoip }
    }

    /// The client of a request that arrived from `peer` (see the module docs).
    pub fn identify(&self, peer: IpAddr, headers: &HeaderMap) -> ClientIdentity {
        self.ip.identify(peer, headers)
    }

    /// The stored hash and the country of an identified client.
    pub fn profile(&self, client: &ClientIdentity) -> ClientProfile {
        ClientProfile {
            ip_hash: client.key.hash(&self.ip_salt),
            country: self.geoip.as_ref().and_then(|g| g.country(client.addr)),
        }
    }
}

/// An X-Forwarded-For entry: a bare address, optionally `[v6]` or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(a) = hop.parse() {
        return Some(a);
    }
    if let Ok(sa) = hop.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn cfg(trusted: &[&str]) -> ClientIpConfig {
        ClientIpConfig {
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            v4_prefix: 32,
            v6_prefix: 64,
        }
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h.insert("x-real-ip", HeaderValue::from_static("9.9.9.9"));
        h.insert("forwarded", HeaderValue::from_static("for=9.9.9.9"));
        h
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_the_headers_say() {
        let c = cfg(&[]);
        let peer: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(c.client_addr(peer, &xff(&["1.2.3.4"])), peer);
    }

    #[test]
    fn trusted_proxy_chain_is_walked_from_the_right() {
        let c = cfg(&["10.0.0.0/8"]);
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let h = xff(&["6.6.6.6, 203.0.113.5", "10.0.0.9"]);
        assert_eq!(
            c.client_addr(peer, &h),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            c.client_addr(peer, &xff(&["garbage, 10.1.1.1"])),
            "10.1.1.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(c.client_addr(peer, &HeaderMap::new()), peer);
        assert_eq!(
            c.client_addr(peer, &xff(&["[2001:db8::1]:443"])),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn keys_group_v6_by_64_and_treat_mapped_v4_as_v4() {
        let a = ClientKey::new("2001:db8:1:2:aaaa::1".parse().unwrap(), 32, 64);
        let b = ClientKey::new("2001:db8:1:2:ffff::9".parse().unwrap(), 32, 64);
        let c = ClientKey::new("2001:db8:1:3::1".parse().unwrap(), 32, 64);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let m1 = ClientKey::new("::ffff:192.0.2.1".parse().unwrap(), 32, 64);
        let m2 = ClientKey::new("::ffff:192.0.2.2".parse().unwrap(), 32, 64);
        assert_eq!(m1, ClientKey::new("192.0.2.1".parse().unwrap(), 32, 64));
        assert_ne!(m1, m2);
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        assert_eq!(m1.to_string(), "192.0.2.1/32");
        assert_eq!(a.coarser().unwrap().to_string(), "2001:db8:1::/48");
        assert_eq!(m1.coarser().unwrap().to_string(), "192.0.0.0/16");
        assert_eq!(std::mem::size_of::<ClientKey>(), 18);
        assert_eq!(std::mem::align_of::<ClientKey>(), 1);
    }
}
