//! How WebKitGTK paints the window's page: with Skia's CPU raster, unless the environment
//! Keystep was started in already says how.
//!
//! WebKitGTK (2.46 and later) paints a page's tiles with Skia on the GPU, through OpenGL,
//! when it can. Where there is no GPU (a virtual machine, a remote desktop, Xvfb) OpenGL is
//! Mesa's llvmpipe: that "GPU" painting runs on the CPU all the same and keeps its caches
//! (tile textures, glyph atlases, a second painting thread) in the web process's own memory.
//! Measured under Xvfb, the web process held ~23 MiB more on an empty page and ~35 MiB more
//! with 20 account cards than with the CPU raster, and drew the first view later
//! (docs/benchmarks.md, issue 25). Keystep's page is forms and cards: nothing in it gains
//! from GPU painting. So the window asks for CPU painting before anything starts
//! (`WEBKIT_SKIA_ENABLE_CPU_RENDERING`, which each web process reads as it starts;
//! compositing stays as it was). A value already in the environment is kept: `=0` gives
//! WebKit's own choice back to anyone who wants it.

use std::ffi::OsStr;

/// The variable WebKitGTK's web process reads: any value but `0` paints on the CPU.
pub const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// What to set [`CPU_PAINTING`] to, given its value in the environment: `1` when it has
/// none, nothing when the person (or their session) already chose.
pub fn cpu_painting_value(existing: Option<&OsStr>) -> Option<&'static str> {
    existing.is_none().then_some("1")
}

/// Asks for CPU painting unless the environment already says how to paint. Called first in
/// `main`, before any thread starts: changing the environment is only sound then, and the
/// web process inherits it when the window is made.
pub fn prefer_cpu_painting() {
    if let Some(value) = cpu_painting_value(std::env::var_os(CPU_PAINTING).as_deref()) {
        std::env::set_var(CPU_PAINTING, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_painting_is_asked_only_when_nothing_was_chosen() {
        assert_eq!(
            cpu_painting_value(None),
            Some("1"),
            "no value: the window asks for CPU painting"
        );
        for chosen in ["0", "1", ""] {
            assert_eq!(
                cpu_painting_value(Some(OsStr::new(chosen))),
                None,
                "a value already there ({chosen:?}) is the person's and is kept"
            );
        }
    }
}
