#include <punchlink/common/crypto.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace punchlink::crypto {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) { return fromHex(text).value(); }

std::string hmacHex(const std::vector<std::uint8_t>& key, const std::vector<std::uint8_t>& data) {
  return toHex(hmacSha256(key, data));
}

// RFC 4231 §4.2–4.8, the HMAC-SHA-256 results.
TEST(HmacSha256, Rfc4231TestCase1) {
  EXPECT_EQ(hmacHex(std::vector<std::uint8_t>(20, 0x0b), hex("4869205468657265")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256, Rfc4231TestCase2KeyShorterThanBlock) {
  EXPECT_EQ(toHex(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, Rfc4231TestCase3) {
  EXPECT_EQ(hmacHex(std::vector<std::uint8_t>(20, 0xaa), std::vector<std::uint8_t>(50, 0xdd)),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(HmacSha256, Rfc4231TestCase4) {
  EXPECT_EQ(hmacHex(hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                    std::vector<std::uint8_t>(50, 0xcd)),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(HmacSha256, Rfc4231TestCase5TruncatedOutput) {
  // The RFC gives only the first 128 bits for this case.
  const std::string full =
      hmacHex(std::vector<std::uint8_t>(20, 0x0c),
              std::vector<std::uint8_t>(asBytes("Test With Truncation").begin(),
                                        asBytes("Test With Truncation").end()));
  EXPECT_EQ(full.substr(0, 32), "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256, Rfc4231TestCase6KeyLargerThanBlock) {
  const std::string data = "Test Using Larger Than Block-Size Key - Hash Key First";
  EXPECT_EQ(hmacHex(std::vector<std::uint8_t>(131, 0xaa),
                    std::vector<std::uint8_t>(data.begin(), data.end())),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, Rfc4231TestCase7KeyAndDataLargerThanBlock) {
  const std::string data =
      "This is a test using a larger than block-size key and a larger than block-size data. The "
      "key needs to be hashed before being used by the HMAC algorithm.";
  EXPECT_EQ(hmacHex(std::vector<std::uint8_t>(131, 0xaa),
                    std::vector<std::uint8_t>(data.begin(), data.end())),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, EmptyKeyAndData) {
  EXPECT_EQ(toHex(hmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(toHex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(toHex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Hex, RoundTripAndErrors) {
  EXPECT_EQ(toHex(hex("00ff10aB")), "00ff10ab");
  EXPECT_FALSE(fromHex("abc").ok());
  const auto bad = fromHex("zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(bad.error().message.find("position 0"), std::string::npos);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64Encode(plain), encoded);
    const auto decoded = base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(std::string(decoded->begin(), decoded->end()), plain);
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64Decode("Zm9").ok());       // length
  EXPECT_FALSE(base64Decode("Zm9v!A==").ok());  // bad character
  EXPECT_FALSE(base64Decode("Zg==Zm9v").ok());  // padding in the middle
  EXPECT_FALSE(base64Decode("Z===").ok());      // too much padding
  const auto error = base64Decode("Zm9v Zg==");
  ASSERT_FALSE(error.ok());
  EXPECT_NE(error.error().hint.find("padding"), std::string::npos);
}

TEST(Base64, BinaryRoundTrip) {
  std::vector<std::uint8_t> all(256);
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<std::uint8_t>(i);
  }
  EXPECT_EQ(base64Decode(base64Encode(all)).value(), all);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constantTimeEqual("secret", "secret"));
  EXPECT_FALSE(constantTimeEqual("secret", "secreT"));
  EXPECT_FALSE(constantTimeEqual("secret", "secret2"));
  EXPECT_TRUE(constantTimeEqual("", ""));
}

TEST(Random, TokensDiffer) {
  const std::string a = randomHexToken(16);
  const std::string b = randomHexToken(16);
  EXPECT_EQ(a.size(), 32U);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace punchlink::crypto
