/* number.cc - cosim_number_format() (number.h) on Google's double-conversion
 * (Debian's libdouble-conversion-dev): the shortest digits that read back
 * to the double, as V8 and Qt write them, laid out as Python's float
 * repr does. The one C++ file of pde: the library has no C interface. */
#include "cosim/number.h"

#include <double-conversion/double-to-string.h>

using double_conversion::DoubleToStringConverter;
using double_conversion::StringBuilder;

/* Python's repr: positional notation for 1e-4 <= |x| < 1e16 with ".0" on
 * whole numbers, else exponent notation with a sign and at least two
 * exponent digits ("1e-05", "1e+16"); -0.0 keeps its sign. */
static const DoubleToStringConverter python_repr(
    DoubleToStringConverter::EMIT_POSITIVE_EXPONENT_SIGN |
        DoubleToStringConverter::EMIT_TRAILING_DECIMAL_POINT |
        DoubleToStringConverter::EMIT_TRAILING_ZERO_AFTER_POINT,
    nullptr, nullptr, 'e', -4, 16, 0, 0, 2);

extern "C" size_t cosim_number_format(double x, char out[COSIM_NUMBER_MAX]) {
    StringBuilder text(out, COSIM_NUMBER_MAX);
    if (!python_repr.ToShortest(x, &text)) text.Reset();
    size_t len = static_cast<size_t>(text.position());
    text.Finalize();
    return len;
}
