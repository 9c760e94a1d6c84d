//! Limits and sizes of image processing, with production defaults.

#[derive(Clone, Debug)]
pub struct MediaConfig {
    /// Largest upload accepted, in bytes.
    pub upload_bytes_max: usize,
    /// Largest width or height accepted, read from the header before decoding.
    pub dimension_max: u32,
    /// Largest pixel count accepted (width × height), read from the header.
    pub pixels_max: u64,
    /// Memory the decoder may allocate.
    pub decode_alloc_bytes_max: u64,
    /// Images decoded at once in this process (each may take `decode_alloc_bytes_max`):
    /// more wait their turn, so concurrent large uploads cannot exhaust memory.
    pub concurrent_decodes_max: usize,
    /// The detail variant fits in a square of this side.
    pub detail_edge_max: u32,
    /// The grid variant (waterfall covers) is at most this wide.
    pub grid_width_max: u32,
    pub jpeg_quality: u8,
    /// Per member, over the last 24 hours.
    pub daily_uploads_max: i64,
    pub daily_bytes_max: i64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            upload_bytes_max: 20 << 20,
            dimension_max: 12_000,
            pixels_max: 40_000_000,
            decode_alloc_bytes_max: 512 << 20,
            concurrent_decodes_max: 2,
            detail_edge_max: 1_440,
            grid_width_max: 540,
            jpeg_quality: 82,
            daily_uploads_max: 300,
            daily_bytes_max: 2 << 30,
        }
    }
}
