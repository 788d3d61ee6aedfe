//! Keystep's folder on disk: private, written atomically, one writer at a time.
//!
//! Every file Keystep writes (the account book, the settings) goes through
//! [`DataDir::write`]: the bytes go to a temporary file in the same folder (created 0600),
//! which is flushed to the disk and then renamed over the old file, and the folder itself is
//! flushed so the rename survives a power cut. Both flushes go through one seam ([`Flush`],
//! `fsync` in [`DiskFlush`]) so a test can see that they happen, and when. A crash or a full disk at any point leaves
//! either the old file or the new one, never half of one. The folder is 0700; [`DataDir::open`]
//! creates it so and tightens an existing folder and its files if they were looser (files
//! written by earlier versions through tauri-plugin-store followed the umask, usually 0644).
//!
//! Two Keystep processes (the window and the command line, or a second window started
//! outside the first one's D-Bus session) may write the same files. [`DataDir::exclusive`]
//! takes an advisory lock (`flock` on a `.lock` file beside them) for the whole of a
//! read-modify-write, so writers take turns; readers need no lock, because a rename is
//! atomic and a reader sees the old file or the new one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

mod location;

pub use location::{app_data_dir, APP_IDENTIFIER};

/// The lock file's name in the folder.
pub const LOCK_FILE: &str = ".keystep.lock";

/// How long a writer waits for another process's write to finish. A write takes
/// milliseconds; past this the other process is stuck, and saying so beats hanging.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Where a test can make a write fail, to prove what a failure leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum WriteFault {
    /// Writes succeed.
    None = 0,
    /// The temporary file is half written when the write fails (a full disk).
    PartWritten = 1,
    /// Everything is written and flushed, and the rename fails.
    BeforeRename = 2,
}

/// How written bytes are made durable: the seam through which every write of a
/// [`DataDir`] flushes its temporary file before the rename and the folder after it. The
/// real one is [`DiskFlush`]; a test puts in one that records when each flush happens
/// (an fsync cannot be seen from outside, so removing one would otherwise pass every test).
pub trait Flush: Send + Sync + std::fmt::Debug {
    /// Makes `file`'s contents durable (the temporary file, before it is renamed over the
    /// old one).
    ///
    /// # Errors
    /// The system could not flush it.
    fn file(&self, file: &File) -> io::Result<()>;

    /// Makes the entries of `folder` durable (after a rename in it).
    ///
    /// # Errors
    /// The folder could not be opened or flushed.
    fn folder(&self, folder: &Path) -> io::Result<()>;
}

/// [`Flush`] by `fsync`: `sync_all` on the file, and on the folder opened for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskFlush;

impl Flush for DiskFlush {
    fn file(&self, file: &File) -> io::Result<()> {
        file.sync_all()
    }

    fn folder(&self, folder: &Path) -> io::Result<()> {
        File::open(folder)?.sync_all()
    }
}

/// Keystep's private data folder.
#[derive(Debug)]
pub struct DataDir {
    path: PathBuf,
    fault: AtomicU8,
    flush: std::sync::Arc<dyn Flush>,
}

impl DataDir {
    /// Opens (and if needed creates) the folder at `path`, 0700, and tightens what is in it:
    /// every regular file becomes 0600.
    ///
    /// # Errors
    /// The folder cannot be created or its permissions cannot be set.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<DataDir> {
        let path = path.into();
        create_private_dir(&path)?;
        tighten(&path)?;
        Ok(DataDir {
            path,
            fault: AtomicU8::new(WriteFault::None as u8),
            flush: std::sync::Arc::new(DiskFlush),
        })
    }

    /// The same folder, flushing through `flush` instead of [`DiskFlush`] (tests observe
    /// the flushes this way).
    #[must_use]
    pub fn with_flush(mut self, flush: std::sync::Arc<dyn Flush>) -> DataDir {
        self.flush = flush;
        self
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file of the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Makes later writes fail at `fault` (tests only; [`WriteFault::None`] ends it).
    pub fn inject(&self, fault: WriteFault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }

    fn fault(&self) -> WriteFault {
        match self.fault.load(Ordering::SeqCst) {
            1 => WriteFault::PartWritten,
            2 => WriteFault::BeforeRename,
            _ => WriteFault::None,
        }
    }

    /// Reads a file of the folder; `None` when it does not exist.
    ///
    /// # Errors
    /// It exists but cannot be read.
    pub fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.file(name)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Replaces the file `name` with `bytes`, atomically and durably, readable by its owner
    /// only. On error the old file is untouched and no temporary file is left.
    ///
    /// # Errors
    /// The temporary file could not be written, flushed or renamed.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let target = self.file(name);
        // tempfile creates the file 0600 with O_EXCL, in the same folder so the rename
        // stays on one file system (and is atomic).
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&self.path)?;
        match self.fault() {
            WriteFault::PartWritten => {
                tmp.write_all(&bytes[..bytes.len() / 2])?;
                return Err(io::Error::other("injected failure: the disk is full"));
            }
            WriteFault::None | WriteFault::BeforeRename => {}
        }
        tmp.write_all(bytes)?;
        // Durable before it replaces the old file, so a power cut after the rename cannot
        // leave a renamed but empty file.
        self.flush.file(tmp.as_file())?;
        if self.fault() == WriteFault::BeforeRename {
            return Err(io::Error::other("injected failure before the rename"));
        }
        // On error `persist` hands the file back; dropping it removes it.
        tmp.persist(&target).map_err(|e| e.error)?;
        // The rename is an entry of the folder: flush the folder too.
        self.flush.folder(&self.path)
    }

    /// Holds the folder's write lock until the guard drops, so a read-modify-write of
    /// another process cannot interleave with this one's.
    ///
    /// # Errors
    /// The lock file cannot be opened, or another process held the lock for longer than
    /// [`LOCK_WAIT`].
    pub fn exclusive(&self) -> io::Result<WriteLock> {
        exclusive_in(&self.path)
    }
}

/// The write lock of the folder at `folder` (its `.keystep.lock`), for a writer that holds
/// a path rather than a [`DataDir`] (the use log).
///
/// # Errors
/// The lock file cannot be opened, or another process held the lock for longer than
/// [`LOCK_WAIT`].
pub fn exclusive_in(folder: &Path) -> io::Result<WriteLock> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode_private()
        .open(folder.join(LOCK_FILE))?;
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(WriteLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "another Keystep process is writing and did not finish",
                ))
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// What a few files looked like when last seen, to tell when another process changed
/// them (the window follows `keystep link` and `keystep run` this way) without reading
/// them: each file's inode, length and modification time. A file replaced by a rename
/// (the book) gets another inode; one appended to (the use log) another length.
#[derive(Debug)]
pub struct Stamps {
    paths: Vec<PathBuf>,
    seen: Vec<Option<Stamp>>,
}

/// One file's [`Stamps`] entry; `None` is a file that does not exist (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Stamp {
        inode,
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

impl Stamps {
    /// Starts following `paths`, as they are now.
    pub fn of(paths: Vec<PathBuf>) -> Stamps {
        let seen = paths.iter().map(|p| stamp(p)).collect();
        Stamps { paths, seen }
    }

    /// Whether any of the files changed (appeared, went, was replaced, grew or was
    /// touched) since the last call, or since [`Stamps::of`].
    pub fn changed(&mut self) -> bool {
        let now: Vec<Option<Stamp>> = self.paths.iter().map(|p| stamp(p)).collect();
        let changed = now != self.seen;
        self.seen = now;
        changed
    }
}

/// The folder's write lock; released when dropped (and by the system if the process dies,
/// so a crash leaves no stale lock).
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

/// `OpenOptions` that create files readable by their owner only.
trait PrivateMode {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateMode for OpenOptions {
    #[cfg(unix)]
    fn mode_private(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }

    #[cfg(not(unix))]
    fn mode_private(&mut self) -> &mut Self {
        self
    }
}

#[cfg(unix)]
fn create_private_dir(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> io::Result<()> {
    fs::create_dir_all(path)
}

/// Makes the folder 0700 and each regular file directly in it 0600. Links are left alone
/// (`symlink_metadata`), so a link cannot make Keystep change another file's mode.
#[cfg(unix)]
fn tighten(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &Path, mode: u32| -> io::Result<()> {
        let meta = fs::symlink_metadata(p)?;
        if meta.permissions().mode() & 0o777 != mode {
            fs::set_permissions(p, fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    };
    set(path, 0o700)?;
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            set(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_private() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = DataDir::open(root.path().join("a/b")).expect("open");
        dir.write("x.json", b"{}").expect("write");
        assert_eq!(mode(dir.path()), 0o700, "the folder is the owner's only");
        assert_eq!(
            mode(&dir.file("x.json")),
            0o600,
            "the file is the owner's only"
        );
        assert_eq!(
            dir.read("x.json").expect("read"),
            Some(b"{}".to_vec()),
            "read back"
        );
    }

    #[test]
    fn loose_folders_and_files_are_tightened_on_open() {
        let root = tempfile::tempdir().expect("temp dir");
        let path = root.path().join("d");
        fs::create_dir(&path).expect("mkdir");
        fs::write(path.join("accounts.json"), b"{}").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        fs::set_permissions(
            path.join("accounts.json"),
            fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        let dir = DataDir::open(&path).expect("open");
        assert_eq!(mode(dir.path()), 0o700, "the folder was tightened");
        assert_eq!(
            mode(&dir.file("accounts.json")),
            0o600,
            "the file was tightened"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = DataDir::open(root.path()).expect("open");
        dir.write("book.json", b"old contents").expect("write");
        for fault in [WriteFault::PartWritten, WriteFault::BeforeRename] {
            dir.inject(fault);
            assert!(
                dir.write("book.json", b"new contents").is_err(),
                "{fault:?} fails"
            );
            assert_eq!(
                dir.read("book.json").expect("read"),
                Some(b"old contents".to_vec()),
                "{fault:?} leaves the old file whole"
            );
            let names: Vec<String> = fs::read_dir(dir.path())
                .expect("list")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(
                names,
                vec!["book.json".to_string()],
                "{fault:?} leaves nothing else"
            );
        }
        dir.inject(WriteFault::None);
        dir.write("book.json", b"new contents")
            .expect("write after the fault");
        assert_eq!(
            dir.read("book.json").expect("read"),
            Some(b"new contents".to_vec()),
            "writes work again"
        );
    }

    #[test]
    fn stamps_see_a_file_appear_be_replaced_and_grow_and_nothing_else() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = DataDir::open(root.path()).expect("open");
        let mut stamps = Stamps::of(vec![dir.file("book.json"), dir.file("use.jsonl")]);
        assert!(!stamps.changed(), "nothing happened yet");
        dir.write("book.json", b"{}").expect("write");
        assert!(stamps.changed(), "the book appeared");
        assert!(!stamps.changed(), "and did not change again");
        dir.write("book.json", b"{}")
            .expect("the same bytes, renamed over it");
        assert!(
            stamps.changed(),
            "a rewrite is a change, even of the same bytes"
        );
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.file("use.jsonl"))
            .expect("log");
        log.write_all(b"{}\n").expect("append");
        assert!(stamps.changed(), "the use log appeared");
        log.write_all(b"{}\n").expect("append");
        assert!(stamps.changed(), "a line was appended");
        let _ = dir.read("book.json").expect("read");
        assert!(!stamps.changed(), "reading is no change");
    }

    /// A [`Flush`] that records, for each flush, whether the target file already had the new
    /// bytes, and flushes for real.
    #[derive(Debug)]
    struct Recorded {
        target: PathBuf,
        new: Vec<u8>,
        flushes: std::sync::Mutex<Vec<&'static str>>,
    }

    impl Recorded {
        fn target_is_new(&self) -> bool {
            fs::read(&self.target).ok().as_deref() == Some(&self.new[..])
        }
    }

    impl Flush for Recorded {
        fn file(&self, file: &File) -> io::Result<()> {
            let when = if self.target_is_new() {
                "file, after the rename"
            } else {
                "file, before the rename"
            };
            self.flushes.lock().expect("flushes").push(when);
            DiskFlush.file(file)
        }

        fn folder(&self, folder: &Path) -> io::Result<()> {
            let when = if self.target_is_new() {
                "folder, after the rename"
            } else {
                "folder, before the rename"
            };
            self.flushes.lock().expect("flushes").push(when);
            DiskFlush.folder(folder)
        }
    }

    #[test]
    fn a_write_flushes_the_file_before_the_rename_and_the_folder_after_it() {
        let root = tempfile::tempdir().expect("temp dir");
        let recorded = std::sync::Arc::new(Recorded {
            target: root.path().join("book.json"),
            new: b"new contents".to_vec(),
            flushes: std::sync::Mutex::new(Vec::new()),
        });
        let dir = DataDir::open(root.path())
            .expect("open")
            .with_flush(recorded.clone());
        dir.write("book.json", b"old contents").expect("write");
        recorded.flushes.lock().expect("flushes").clear();
        dir.write("book.json", b"new contents").expect("write");
        assert_eq!(
            *recorded.flushes.lock().expect("flushes"),
            ["file, before the rename", "folder, after the rename"],
            "the new bytes are durable before they replace the old, and the rename after"
        );
        dir.inject(WriteFault::BeforeRename);
        recorded.flushes.lock().expect("flushes").clear();
        assert!(
            dir.write("book.json", b"newer").is_err(),
            "the injected failure"
        );
        let flushes = recorded.flushes.lock().expect("flushes").clone();
        assert!(
            flushes.len() == 1 && flushes[0].starts_with("file"),
            "a write that fails before the rename flushed its file and no rename: {flushes:?}"
        );
    }

    #[test]
    fn every_data_folder_flushes_to_the_disk_unless_a_test_says_otherwise() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = DataDir::open(root.path()).expect("open");
        assert_eq!(
            format!("{:?}", dir.flush),
            format!("{DiskFlush:?}"),
            "DataDir::open flushes with fsync"
        );
    }

    #[test]
    fn the_lock_is_exclusive_across_open_files() {
        let root = tempfile::tempdir().expect("temp dir");
        // Two DataDirs open the lock file separately, as two processes would.
        let first = DataDir::open(root.path()).expect("open");
        let second = DataDir::open(root.path()).expect("open");
        let held = first.exclusive().expect("first lock");
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let _lock = second.exclusive().expect("second lock, after the first");
            tx.send(()).expect("send");
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "the second writer waits while the first holds the lock"
        );
        drop(held);
        rx.recv_timeout(LOCK_WAIT)
            .expect("the second writer goes ahead once the first lets go");
        waiter.join().expect("join");
        assert_eq!(
            mode(&first.file(LOCK_FILE)),
            0o600,
            "the lock file is private too"
        );
    }
}
