#include <gtest/gtest.h>
// Tests for udp_tracker: being written.
