//! RTP port allocation from the configured range (even ports, RTCP would take the odd one).

use std::collections::BTreeSet;

#[derive(Debug)]
pub struct PortAllocator {
    first: u16,
    last: u16,
    cursor: u16,
    in_use: BTreeSet<u16>,
}

impl PortAllocator {
    /// `first..=last`; odd bounds are rounded inwards to even ports.
    pub fn new(first: u16, last: u16) -> Self {
        // The first even port; a range starting at 65535 holds none (capacity 0).
        let first = first.saturating_add(first % 2);
        PortAllocator {
            first,
            last,
            cursor: first,
            in_use: BTreeSet::new(),
        }
    }

    /// How many ports the range holds.
    pub fn capacity(&self) -> usize {
        if self.last < self.first {
            0
        } else {
            usize::from((self.last - self.first) / 2 + 1)
        }
    }

    /// Takes a free port, round-robin (so a just-released port is not reused at once and late
    /// packets of an ended call do not reach the next one). `None` when all are in use.
    pub fn allocate(&mut self) -> Option<u16> {
        let n = self.capacity();
        for _ in 0..n {
            let port = self.cursor;
            self.cursor = if port >= self.last - 1 || port.checked_add(2).is_none() {
                self.first
            } else {
                port + 2
            };
            if port <= self.last && self.in_use.insert(port) {
                return Some(port);
            }
        }
        None
    }

    pub fn release(&mut self, port: u16) {
        self.in_use.remove(&port);
    }

    pub fn in_use(&self) -> usize {
        self.in_use.len()
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn allocates_even_ports_round_robin_and_exhausts() {
        let mut p = PortAllocator::new(10001, 10007);
        assert_eq!(p.capacity(), 3);
        assert_eq!(p.allocate(), Some(10002));
        assert_eq!(p.allocate(), Some(10004));
        p.release(10002);
        assert_eq!(p.allocate(), Some(10006));
        assert_eq!(p.allocate(), Some(10002));
        assert_eq!(p.allocate(), None);
        assert_eq!(p.in_use(), 3);
    }

    #[test]
    fn top_of_port_space() {
        let mut p = PortAllocator::new(65532, 65535);
        assert_eq!(p.allocate(), Some(65532));
        assert_eq!(p.allocate(), Some(65534));
        assert_eq!(p.allocate(), None);
    }
}
