//! Who is on the other end of a loopback connection: the proxy serves its own user only.
//!
//! Every local user can connect to 127.0.0.1, and a run token can leak (a process list, a
//! log), so a token alone must not open the admin's key. On Linux the kernel knows the user
//! that made each TCP socket: the peer's socket is the one whose local address is the peer's
//! and whose remote address is the proxy's. It is asked for that one socket through netlink
//! (`sock_diag`, as `ss` does: one exact lookup, however many sockets the machine has), or,
//! where netlink is refused, found in `/proc/net/tcp` and `tcp6` (proc(5)). A connection is
//! served only when that socket is found and belongs to the proxy's own effective user;
//! otherwise it is closed before a byte of it is read.
//!
//! Hand-written rather than a crate: the crates that speak sock_diag or read these tables
//! (netlink-packet-sock-diag, procfs) bring a large API for one fixed-size request and one
//! field of its answer, both stable kernel ABI. Elsewhere than Linux the owner cannot be
//! learnt, and every connection is admitted (SECURITY.md says so).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// Whether the process at the other end of the connection `peer` → `local` runs as this
/// process's effective user.
#[cfg(target_os = "linux")]
pub(super) fn is_ours(peer: SocketAddr, local: SocketAddr) -> bool {
    let me = nix::unistd::geteuid().as_raw();
    let owner = match diag::owner(peer, local) {
        Ok(found) => found,
        // No netlink here (a sandbox may refuse it): the tables say the same, more slowly.
        Err(_) => ["/proc/net/tcp", "/proc/net/tcp6"]
            .iter()
            .find_map(|table| {
                let text = std::fs::read_to_string(table).ok()?;
                owner_in(&text, peer, local)
            }),
    };
    owner.is_some_and(|uid| uid == me)
}

/// The kernel's socket diagnostics over netlink (sock_diag(7)): one exact lookup.
#[cfg(target_os = "linux")]
mod diag {
    use std::net::{IpAddr, SocketAddr};
    use std::os::fd::AsRawFd as _;

    use nix::sys::socket::{
        recv, sendto, socket, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol,
        SockType,
    };

    /// `SOCK_DIAG_BY_FAMILY`, `NLM_F_REQUEST`, `NLMSG_ERROR`, `IPPROTO_TCP`, `AF_INET`
    /// (the same on every Linux architecture).
    const BY_FAMILY: u16 = 20;
    const REQUEST: u16 = 1;
    const ERROR: u16 = 2;
    const TCP: u8 = 6;
    const INET: u8 = 2;

    /// The uid of the socket whose local address is `peer` and remote address `local`;
    /// `Ok(None)` when the kernel knows no such socket.
    ///
    /// # Errors
    /// Netlink could not be used at all.
    pub(super) fn owner(peer: SocketAddr, local: SocketAddr) -> nix::Result<Option<u32>> {
        let (IpAddr::V4(from), IpAddr::V4(to)) = (peer.ip(), local.ip()) else {
            return Ok(None);
        };
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Datagram,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkSockDiag,
        )?;
        // struct nlmsghdr, then struct inet_diag_req_v2 (linux/inet_diag.h), 72 bytes.
        let mut req = Vec::with_capacity(72);
        req.extend_from_slice(&72u32.to_ne_bytes());
        req.extend_from_slice(&BY_FAMILY.to_ne_bytes());
        req.extend_from_slice(&REQUEST.to_ne_bytes());
        req.extend_from_slice(&1u32.to_ne_bytes()); // sequence
        req.extend_from_slice(&0u32.to_ne_bytes()); // to the kernel
        req.extend_from_slice(&[INET, TCP, 0, 0]);
        req.extend_from_slice(&u32::MAX.to_ne_bytes()); // every state
        req.extend_from_slice(&peer.port().to_be_bytes());
        req.extend_from_slice(&local.port().to_be_bytes());
        for ip in [from, to] {
            req.extend_from_slice(&ip.octets());
            req.extend_from_slice(&[0; 12]);
        }
        req.extend_from_slice(&0u32.to_ne_bytes()); // any interface
        req.extend_from_slice(&[0xff; 8]); // no cookie
        sendto(
            fd.as_raw_fd(),
            &req,
            &NetlinkAddr::new(0, 0),
            MsgFlags::empty(),
        )?;
        let mut answer = [0u8; 512];
        let n = recv(fd.as_raw_fd(), &mut answer, MsgFlags::empty())?;
        let answer = &answer[..n];
        let word = |at: usize| {
            answer
                .get(at..at + 4)
                .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        };
        let kind = answer.get(4..6).map(|b| u16::from_ne_bytes([b[0], b[1]]));
        match kind {
            // No such socket (ENOENT), or another refusal: nobody known.
            Some(ERROR) => Ok(None),
            // struct inet_diag_msg after the header: the uid follows 4 bytes of kinds, the
            // 48-byte id and three 4-byte counters.
            Some(BY_FAMILY) => Ok(word(16 + 4 + 48 + 12)),
            _ => Ok(None),
        }
    }
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
    fn the_kernel_and_its_table_name_the_same_owner_and_only_for_the_peers_end() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let proxy = listener.local_addr().expect("addr");
        let client = std::net::TcpStream::connect(proxy).expect("connect");
        let (_served, peer) = listener.accept().expect("accept");
        let me = nix::unistd::geteuid().as_raw();
        assert_eq!(
            diag::owner(peer, proxy),
            Ok(Some(me)),
            "netlink names this process's user"
        );
        let table = std::fs::read_to_string("/proc/net/tcp").expect("the table");
        assert_eq!(owner_in(&table, peer, proxy), Some(me), "so does the table");
        let nobody: SocketAddr = "127.0.0.1:1".parse().expect("address");
        assert_eq!(diag::owner(nobody, proxy), Ok(None), "no such connection");
        drop(client);
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
