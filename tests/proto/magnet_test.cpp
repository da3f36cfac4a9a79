#include <gtest/gtest.h>
// Tests for magnet: being written.
