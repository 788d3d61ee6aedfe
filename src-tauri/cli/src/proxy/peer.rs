//! Who is on the other end of a loopback connection: the proxy serves its own user only.
//!
//! Every local user can connect to 127.0.0.1, and a run token can leak (a process list, a
//! log), so a token alone must not open the admin's key. On Linux the kernel lists every TCP
//! socket of the network namespace in `/proc/net/tcp` (and `tcp6`) with the user that made it
//! (proc(5)): the peer's socket is the one whose local address is the peer's and whose remote
//! address is the proxy's. A connection is served only when that socket is found and belongs
//! to the proxy's own effective user; otherwise it is closed before a byte of it is read.
//!
//! Hand-written rather than a crate: the crates that read these tables (procfs) or ask the
//! kernel through netlink (sock_diag) bring a large API for one line of a text table, and
//! this is the documented, stable format `ss` and `netstat` read too. Elsewhere than Linux
//! there is no such table, and every connection is admitted (SECURITY.md says so).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// Whether the process at the other end of the connection `peer` → `local` runs as this
/// process's effective user.
#[cfg(target_os = "linux")]
pub(super) fn is_ours(peer: SocketAddr, local: SocketAddr) -> bool {
    let me = nix::unistd::geteuid().as_raw();
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .find_map(|table| {
            let text = std::fs::read_to_string(table).ok()?;
            owner_in(&text, peer, local)
        })
        .is_some_and(|uid| uid == me)
}

/// Elsewhere the owner cannot be learnt: every connection is admitted.
#[cfg(not(target_os = "linux"))]
pub(super) fn is_ours(_peer: SocketAddr, _local: SocketAddr) -> bool {
    true
}

/// The uid of the socket whose local address is `peer` and remote address `local`, in a
/// `/proc/net/tcp` or `tcp6` table.
pub(super) fn owner_in(table: &str, peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    table.lines().skip(1).find_map(|line| {
        let mut fields = line.split_whitespace();
        let _slot = fields.next()?;
        let from = address(fields.next()?)?;
        let to = address(fields.next()?)?;
        if same(from, peer) && same(to, local) {
            // st, tx_queue:rx_queue, tr:tm->when, retrnsmt, then uid.
            fields.nth(4)?.parse().ok()
        } else {
            None
        }
    })
}

/// Two addresses are the same endpoint, an IPv4-mapped IPv6 address matching its IPv4 one.
fn same(listed: SocketAddr, wanted: SocketAddr) -> bool {
    let plain = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    listed.port() == wanted.port() && plain(listed.ip()) == plain(wanted.ip())
}

/// `0100007F:1F90` (IPv4) or 32 hex digits and a port (IPv6): each 32-bit word of the
/// address is printed as a number in the machine's byte order, the port as a plain number.
fn address(field: &str) -> Option<SocketAddr> {
    let (ip, port) = field.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |hex: &str| u32::from_str_radix(hex, 16).ok().map(u32::to_ne_bytes);
    let ip = match ip.len() {
        8 => IpAddr::from(word(ip)?),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                chunk.copy_from_slice(&word(ip.get(i * 8..i * 8 + 8)?)?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex4(ip: [u8; 4]) -> String {
        format!("{:08X}", u32::from_ne_bytes(ip))
    }

    fn hex6(ip: Ipv6Addr) -> String {
        ip.octets()
            .chunks(4)
            .map(|c| format!("{:08X}", u32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
            .collect()
    }

    fn line(from: &str, to: &str, uid: u32) -> String {
        format!("   0: {from} {to} 01 00000000:00000000 00:00000000 00000000 {uid:>5}        0 12345 1 0000000000000000 20 4 30 10 -1")
    }

    #[test]
    fn the_peers_own_socket_gives_the_owner() {
        let (peer, proxy): (SocketAddr, SocketAddr) = (
            "127.0.0.1:40000".parse().expect("address"),
            "127.0.0.1:8080".parse().expect("address"),
        );
        let lo = hex4([127, 0, 0, 1]);
        let table = [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode".to_string(),
            // The listening socket and the proxy's end of the connection: the proxy's uid.
            line(&format!("{lo}:1F90"), "00000000:0000", 0),
            line(&format!("{lo}:1F90"), &format!("{lo}:9C40"), 0),
            // The peer's end: another user's.
            line(&format!("{lo}:9C40"), &format!("{lo}:1F90"), 65534),
        ]
        .join("\n");
        assert_eq!(
            owner_in(&table, peer, proxy),
            Some(65534),
            "the peer's end, not the proxy's end of the same connection"
        );
        let other: SocketAddr = "127.0.0.1:40001".parse().expect("address");
        assert_eq!(owner_in(&table, other, proxy), None, "no such connection");
    }

    #[test]
    fn an_ipv4_mapped_peer_in_tcp6_is_found() {
        let peer: SocketAddr = "127.0.0.1:40000".parse().expect("address");
        let proxy: SocketAddr = "127.0.0.1:8080".parse().expect("address");
        let mapped = hex6(std::net::Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        let table = format!(
            "header\n{}",
            line(&format!("{mapped}:9C40"), &format!("{mapped}:1F90"), 1000)
        );
        assert_eq!(owner_in(&table, peer, proxy), Some(1000), "mapped address");
        assert_eq!(
            owner_in("header\ngarbage line\n", peer, proxy),
            None,
            "a line that does not parse is no match"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_connection_of_this_process_is_ours() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let client =
            std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (_served, peer) = listener.accept().expect("accept");
        assert_eq!(
            peer,
            client.local_addr().expect("addr"),
            "the peer's address"
        );
        assert!(
            is_ours(peer, listener.local_addr().expect("addr")),
            "the kernel's table names this process's user"
        );
    }
}
