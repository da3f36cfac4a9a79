#include <gtest/gtest.h>
// Tests for metainfo: being written.
