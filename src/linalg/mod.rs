//! Every `unsafe` block, CPU-feature check and `std::arch` intrinsic of the crate, behind safe
//! functions: the dot product the k-means passes measure distances with ([`dot`]), a prefetch
//! hint ([`prefetch_read`]), a string from bytes that SIMD found valid UTF-8
//! ([`string_from_utf8`]), small pages for a streaming process ([`tune_memory_for_streaming`]),
//! a file mapped into memory ([`map_file`]), and the dispatchers ([`run_avx2`],
//! [`run_avx2_fma`]) that run a kernel (plain safe code in its stage) in a copy compiled for
//! AVX2 (and FMA) when the running CPU has it. The crate denies `unsafe_code` everywhere else,
//! and every block here says in a `SAFETY:` comment why it is sound.
//!
//! # Why by hand
//!
//! ndarray (without a BLAS, which would be a system library) and the crates it builds on are
//! compiled for the baseline x86-64 (SSE2) and give no way to run a caller's loops with AVX2, nor
//! to prefetch. The hot loops (Elkan's pass, the refinement's assignment, the LSA's fused sparse
//! products) therefore live in their stages as plain code that these dispatchers compile twice.
//! What the AVX2 copies gain was measured when each was added (commits 8a5619b, d7d2566,
//! 85aa573; the per-stage table in the README); moving them here did not re-measure it per
//! kernel. TODO: time `examples/num_times` on fudan20 with the dispatchers forced to the
//! baseline copy and record the numbers here.
//!
//! [`dot`] is ndarray's own summation written out: ndarray's `dot` of two contiguous vectors
//! (`numeric_util::unrolled_dot`) adds eight partial sums, a multiplication then an addition
//! each (never fused), combines them pairwise in a fixed order and adds the remainder one by
//! one. [`dot`] does exactly that (with AVX2, partial sums 0–3 and 4–7 are the lanes of two
//! registers), so it returns ndarray's result bit for bit on every CPU. The determinism
//! contract (the same JSON whatever the CPU and thread count) needs that: the distances Elkan's
//! pass measures must equal those of the full assignment, which uses ndarray's matrix product
//! (`dot_is_ndarrays_dot_bit_for_bit_on_every_path` checks every length up to 40 on every
//! path). Being inlined, it also runs in the AVX2 copy of the pass that calls it, where calling
//! ndarray's `dot` would leave the AVX2 copy for ndarray's baseline code on every distance.
#![allow(unsafe_code)]

use ndarray::ArrayView1;

/// `x · y` as ndarray's `dot` computes it, bit for bit (see the module comment): on
/// contiguous vectors, eight partial sums combined pairwise, then the remainder, in AVX2
/// registers when the CPU has AVX2. Other layouts use ndarray's own.
#[inline(always)]
pub(crate) fn dot(x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> f64 {
    let (Some(xs), Some(ys)) = (x.as_slice(), y.as_slice()) else {
        return x.dot(&y);
    };
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `dot_avx2` is safe code compiled for AVX2; calling it is sound because the
        // running CPU has AVX2 (checked just above).
        return unsafe { dot_avx2(xs, ys) };
    }
    dot_slices(xs, ys)
}

/// [`dot`] on slices (the shorter length), in plain Rust.
#[inline(always)]
fn dot_slices(xs: &[f64], ys: &[f64]) -> f64 {
    let len = xs.len().min(ys.len());
    let (xs, ys) = (&xs[..len], &ys[..len]);
    let mut p = [0f64; 8];
    let mut x8 = xs.chunks_exact(8);
    let mut y8 = ys.chunks_exact(8);
    for (x, y) in (&mut x8).zip(&mut y8) {
        for ((p, &x), &y) in p.iter_mut().zip(x).zip(y) {
            *p += x * y;
        }
    }
    let mut sum = 0.0;
    sum += p[0] + p[4];
    sum += p[1] + p[5];
    sum += p[2] + p[6];
    sum += p[3] + p[7];
    for (&x, &y) in x8.remainder().iter().zip(y8.remainder()) {
        sum += x * y;
    }
    sum
}

/// [`dot_slices`] with partial sums 0–3 and 4–7 in two AVX2 registers (the same operations
/// lane by lane). `#[inline]`, so it can be inlined into a caller's AVX2 copy in another
/// codegen unit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn dot_avx2(xs: &[f64], ys: &[f64]) -> f64 {
    use std::arch::x86_64::{
        _mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_setzero_pd, _mm256_storeu_pd,
    };
    let len = xs.len().min(ys.len());
    let (xs, ys) = (&xs[..len], &ys[..len]);
    let mut x8 = xs.chunks_exact(8);
    let mut y8 = ys.chunks_exact(8);
    let (mut low, mut high) = (_mm256_setzero_pd(), _mm256_setzero_pd());
    for (x, y) in (&mut x8).zip(&mut y8) {
        // SAFETY: `x` and `y` are chunks of exactly eight `f64`, so each of the four unaligned
        // loads of four values (from offset 0 and 4) reads inside its chunk.
        let (xl, xh, yl, yh) = unsafe {
            (
                _mm256_loadu_pd(x.as_ptr()),
                _mm256_loadu_pd(x.as_ptr().add(4)),
                _mm256_loadu_pd(y.as_ptr()),
                _mm256_loadu_pd(y.as_ptr().add(4)),
            )
        };
        low = _mm256_add_pd(low, _mm256_mul_pd(xl, yl));
        high = _mm256_add_pd(high, _mm256_mul_pd(xh, yh));
    }
    // Lane j holds p[j] + p[j + 4].
    let mut pairs = [0f64; 4];
    // SAFETY: the unaligned store writes four `f64` into `pairs`, which holds four.
    unsafe { _mm256_storeu_pd(pairs.as_mut_ptr(), _mm256_add_pd(low, high)) };
    let mut sum = 0.0;
    for pair in pairs {
        sum += pair;
    }
    for (&x, &y) in x8.remainder().iter().zip(y8.remainder()) {
        sum += x * y;
    }
    sum
}

/// Asks the CPU to start loading the cache line holding `at` into all cache levels. A hint
/// only: it never reads `at` as far as the program can tell, any address (dangling, null, out
/// of bounds) is harmless, and other architectures ignore it.
#[inline(always)]
pub(crate) fn prefetch_read<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is an SSE instruction, part of every x86-64 CPU, and a prefetch
    // never faults nor changes memory, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// `bytes` as a `String` when they are UTF-8, else the bytes back: `String::from_utf8`, with
/// the check made by simdutf8 (SIMD, several times std's speed on Chinese text, where nearly
/// every character is three bytes), which matters on inputs of hundreds of megabytes.
pub(crate) fn string_from_utf8(bytes: Vec<u8>) -> std::result::Result<String, Vec<u8>> {
    if simdutf8::basic::from_utf8(&bytes).is_err() {
        return Err(bytes);
    }
    // SAFETY: simdutf8 has just checked that `bytes` are valid UTF-8, which is all that
    // `from_utf8_unchecked` requires.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

/// Has the kernel give this process ordinary 4 KiB pages where its allocator asks for
/// transparent huge pages (mimalloc, the `zhuti` binary's allocator, advises them on Linux).
/// For a process that streams, whose memory is bounded and reused chunk after chunk: every
/// fresh page is zeroed on first touch (slowly in a VM, where the host backs it then too), and
/// a huge page is zeroed whole, 2 MiB at a time, each time mimalloc takes back memory it had
/// returned. Against huge pages with all freed memory kept (how `assign` ran before), a
/// one-article assign with the fudan20-slice model takes 0.04–0.07 s instead of 0.13–0.28 s
/// after another process's run, fudan20 4–6% less wall time, and peak RSS is 159–178 MB
/// instead of 219–238 MB, the same on four times the input (docs/models.md, "2026-12-07 (VI)",
/// which also has why mimalloc's own purging stays on).
///
/// The binary sets it for `zhuti assign` only (a fit's large dense arrays were not measured).
/// It does nothing on other systems, or on a Linux kernel older than 3.15.
pub fn tune_memory_for_streaming() {
    // SAFETY: `PR_SET_THP_DISABLE` with 1 and zeros only sets a flag of this process's address
    // space (no pointer is passed); the kernel then faults in 4 KiB pages where `MADV_HUGEPAGE`
    // asked for huge ones. A kernel without it fails the call with EINVAL and changes nothing,
    // so the result is not needed.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// The bytes of `file`, mapped read-only into memory: read in place from the page cache, where
/// reading them would first copy them into as many fresh pages, which this VM faults in and
/// zeroes slowly (a 34 MB model: 8,500 page faults, 40% of a one-article `zhuti assign`).
/// `None` when the file cannot be mapped (an empty file, a pipe): the caller reads it instead.
pub(crate) fn map_file(file: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is only read, as a `&[u8]`, while the caller holds it. What memmap2 cannot
    // rule out is another process truncating or rewriting the file in place meanwhile, which
    // would change the bytes under the slice (or fault on pages past the new end). zhuti never
    // does that to a model: `model_file::save` writes a new file and renames it over the old
    // one, which leaves the mapped file as it was. The caller maps only model files, checks
    // their checksum over the mapped bytes before decoding, and copies out all it keeps.
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// A loop to run in the fastest copy the CPU can execute ([`run_avx2`]). `run` is plain safe
/// code; it should be `#[inline(always)]` (with everything it calls in its hot loop), so that
/// the AVX2 copy compiles all of it for AVX2. It must give the same result in either copy:
/// AVX2 only widens the vectors, it never fuses a multiplication and an addition.
pub(crate) trait Avx2Kernel {
    /// What the loop returns.
    type Output;
    /// Runs the loop.
    fn run(self) -> Self::Output;
}

/// Runs `kernel` in a copy compiled for AVX2 when the running CPU has it, else in the baseline
/// copy; either gives the same result.
#[inline]
pub(crate) fn run_avx2<K: Avx2Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `avx2_copy` is safe code compiled for AVX2; calling it is sound because the
        // running CPU has AVX2 (checked just above).
        return unsafe { avx2_copy(kernel) };
    }
    kernel.run()
}

/// [`Avx2Kernel::run`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2_copy<K: Avx2Kernel>(kernel: K) -> K::Output {
    kernel.run()
}

/// A loop to run in the fastest copy the CPU can execute ([`run_avx2_fma`]), told whether it
/// may fuse multiplications and additions (`FMA`). As with [`Avx2Kernel`], `run` should be
/// `#[inline(always)]`. Its results may differ in the last bits between `FMA = true` and
/// `false`, so a result that must be the same on every CPU cannot come from such a loop.
pub(crate) trait FmaKernel {
    /// What the loop returns.
    type Output;
    /// Runs the loop, with fused multiply-adds when `FMA`.
    fn run<const FMA: bool>(self) -> Self::Output;
}

/// Runs `kernel` with `FMA = true` in a copy compiled for AVX2 and FMA when the running CPU
/// has both, else with `FMA = false` in the baseline copy.
#[inline]
pub(crate) fn run_avx2_fma<K: FmaKernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: `avx2_fma_copy` is safe code compiled for AVX2 and FMA; calling it is sound
        // because the running CPU has both (checked just above).
        return unsafe { avx2_fma_copy(kernel) };
    }
    kernel.run::<false>()
}

/// [`FmaKernel::run`] with fused multiply-adds, compiled for AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn avx2_fma_copy<K: FmaKernel>(kernel: K) -> K::Output {
    kernel.run::<true>()
}

#[cfg(test)]
mod tests {
    use ndarray::Array1;

    use super::*;

    #[test]
    fn dot_is_ndarrays_dot_bit_for_bit_on_every_path() {
        // Elkan's distances must equal what ndarray's `dot` gave, on CPUs with and without
        // AVX2, for every remainder of the eight-way unrolling.
        for len in 0..40 {
            let x = Array1::from_shape_fn(len, |i| ((i * 37 % 11) as f64 - 5.3) / 7.0);
            let y = Array1::from_shape_fn(len, |i| 1.0 / (i as f64 + 0.7));
            let want = x.dot(&y).to_bits();
            let (xs, ys) = (x.as_slice().unwrap(), y.as_slice().unwrap());
            assert_eq!(dot_slices(xs, ys).to_bits(), want, "len {len}");
            assert_eq!(dot(x.view(), y.view()).to_bits(), want, "len {len}");
            // Strided views take ndarray's own path.
            let (xx, yy) = (
                Array1::from_shape_fn(2 * len, |i| x.get(i / 2).copied().unwrap_or(0.0)),
                Array1::from_shape_fn(2 * len, |i| y.get(i / 2).copied().unwrap_or(0.0)),
            );
            let (xv, yv) = (xx.slice(ndarray::s![..;2]), yy.slice(ndarray::s![..;2]));
            assert_eq!(dot(xv, yv).to_bits(), xv.dot(&yv).to_bits(), "len {len}");
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the running CPU has AVX2 (checked just above).
                assert_eq!(unsafe { dot_avx2(xs, ys) }.to_bits(), want, "len {len}");
            }
        }
    }

    /// Sums the products of the pairs in order, with each multiply-add fused when `FMA`.
    struct Sum<'a>(&'a [(f32, f32)]);

    impl Avx2Kernel for Sum<'_> {
        type Output = f32;
        #[inline(always)]
        fn run(self) -> f32 {
            self.0.iter().fold(0.0, |acc, &(a, b)| acc + a * b)
        }
    }

    impl FmaKernel for Sum<'_> {
        type Output = f32;
        #[inline(always)]
        fn run<const FMA: bool>(self) -> f32 {
            self.0.iter().fold(
                0.0,
                |acc, &(a, b)| {
                    if FMA {
                        a.mul_add(b, acc)
                    } else {
                        acc + a * b
                    }
                },
            )
        }
    }

    #[test]
    fn dispatchers_run_the_kernel_in_the_copy_the_cpu_can_execute() {
        // 0.1 · 0.1 − 0.1 · 0.1 is 0 unfused, the rounding error of 0.1 · 0.1 fused: the
        // result tells which copy ran.
        let values = [(0.1f32, 0.1f32), (0.1, -0.1)];
        let plain = values.iter().fold(0.0f32, |acc, &(a, b)| acc + a * b);
        let fused = values.iter().fold(0.0f32, |acc, &(a, b)| a.mul_add(b, acc));
        assert_eq!(plain, 0.0);
        assert_ne!(fused, 0.0);
        assert_eq!(run_avx2(Sum(&values)).to_bits(), plain.to_bits());
        #[cfg(target_arch = "x86_64")]
        let has_fma = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let has_fma = false;
        let want = if has_fma { fused } else { plain };
        assert_eq!(run_avx2_fma(Sum(&values)).to_bits(), want.to_bits());
    }

    #[test]
    fn prefetch_accepts_any_address() {
        let values = [1.0f32; 4];
        prefetch_read(values.as_ptr());
        prefetch_read(values.as_ptr().wrapping_add(1 << 40));
        prefetch_read(std::ptr::null::<u32>());
        assert_eq!(values, [1.0; 4]);
    }
}
