#include <gtest/gtest.h>
// Tests for http_tracker: being written.
