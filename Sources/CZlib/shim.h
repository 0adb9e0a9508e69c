#include <zlib.h>

/// Inflates the zlib stream `source` into `destination` (at most `capacity` bytes) in one call.
/// Returns Z_STREAM_END with *written set when the whole stream fit, Z_BUF_ERROR when it needs
/// more room, or zlib's error code for a damaged stream. zlib's inflateInit is a macro, which
/// Swift cannot call, hence this helper.
static inline int envlock_inflate(const unsigned char *source, unsigned long sourceLength,
                                  unsigned char *destination, unsigned long capacity,
                                  unsigned long *written) {
    z_stream stream = {0};
    stream.next_in = (unsigned char *)source;
    stream.avail_in = (uInt)sourceLength;
    stream.next_out = destination;
    stream.avail_out = (uInt)capacity;
    int status = inflateInit(&stream);
    if (status != Z_OK) return status;
    status = inflate(&stream, Z_FINISH);
    *written = stream.total_out;
    inflateEnd(&stream);
    if (status == Z_OK || (status == Z_BUF_ERROR && stream.avail_out == 0)) return Z_BUF_ERROR;
    return status;
}

/// A zlib stream inflated piece by piece (a PNG's IDAT chunks): the caller owns `stream`,
/// zeroed, and calls envlock_inflate_begin once, inflate() for each piece, inflateEnd() at the
/// end. inflateInit is a macro, which Swift cannot call.
static inline int envlock_inflate_begin(z_stream *stream) {
    return inflateInit(stream);
}
