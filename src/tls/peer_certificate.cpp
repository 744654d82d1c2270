#include "tls/peer_certificate.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

namespace coronet::tls_detail {
namespace {

std::string asn1_string(const ASN1_STRING* s) {
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return out;
}

PeerCertificate::Name parse_name(const X509_NAME* name) {
    PeerCertificate::Name out;
    const int count = X509_NAME_entry_count(name);
    for (int i = 0; i < count; ++i) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
        const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
        const char* field = nid != NID_undef ? OBJ_nid2ln(nid) : "unknown";
        out.emplace_back(field, asn1_string(X509_NAME_ENTRY_get_data(entry)));
    }
    return out;
}

std::string time_text(const ASN1_TIME* t) {
    BIO* bio = BIO_new(BIO_s_mem());
    ASN1_TIME_print(bio, t);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n > 0 ? n : 0));
    BIO_free(bio);
    return out;
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
    char buf[INET6_ADDRSTRLEN] = {};
    const int len = ASN1_STRING_length(ip);
    const unsigned char* data = ASN1_STRING_get0_data(ip);
    if (len == 4) inet_ntop(AF_INET, data, buf, sizeof buf);
    if (len == 16) inet_ntop(AF_INET6, data, buf, sizeof buf);
    return buf[0] ? buf : "<invalid>";
}

std::vector<std::pair<std::string, std::string>> alt_names(X509* cert) {
    std::vector<std::pair<std::string, std::string>> out;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
        switch (n->type) {
            case GEN_DNS:
                out.emplace_back("DNS", asn1_string(n->d.dNSName));
                break;
            case GEN_IPADD:
                out.emplace_back("IP Address", ip_text(n->d.iPAddress));
                break;
            case GEN_EMAIL:
                out.emplace_back("email", asn1_string(n->d.rfc822Name));
                break;
            case GEN_URI:
                out.emplace_back("URI", asn1_string(n->d.uniformResourceIdentifier));
                break;
            default:
                break;
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

}  // namespace

PeerCertificate parse_certificate(X509* cert) {
    PeerCertificate out;
    out.subject = parse_name(X509_get_subject_name(cert));
    out.issuer = parse_name(X509_get_issuer_name(cert));
    out.subject_alt_names = alt_names(cert);
    out.not_before = time_text(X509_get0_notBefore(cert));
    out.not_after = time_text(X509_get0_notAfter(cert));
    out.version = static_cast<int>(X509_get_version(cert)) + 1;
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
        if (char* hex = BN_bn2hex(bn)) {
            out.serial_number = hex;
            OPENSSL_free(hex);
        }
        BN_free(bn);
    }
    const int len = i2d_X509(cert, nullptr);
    if (len > 0) {
        out.der.resize_uninitialized(static_cast<std::size_t>(len));
        auto* p = reinterpret_cast<unsigned char*>(out.der.data());
        i2d_X509(cert, &p);
    }
    return out;
}

std::vector<std::string> certificate_names(X509* cert) {
    std::vector<std::string> out;
    for (auto& [kind, value] : alt_names(cert)) {
        if (kind == "DNS" || kind == "IP Address") out.push_back(value);
    }
    if (out.empty()) {
        for (auto& [field, value] : parse_name(X509_get_subject_name(cert))) {
            if (field == "commonName") out.push_back(value);
        }
    }
    return out;
}

}  // namespace coronet::tls_detail
