#include "support/test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace tls_test {
namespace {

struct Issued {
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) throw std::runtime_error(std::string("bad extension ") + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// issuer == nullptr: self-signed CA.
Issued make_cert(const char* cn, const char* san, const Issued* issuer, long valid_from_s,
                 long valid_to_s, bool ca = false) {
    static long serial = 1;
    Issued out;
    out.key = EVP_EC_gen("P-256");
    out.cert = X509_new();
    X509_set_version(out.cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(out.cert), valid_from_s);
    X509_gmtime_adj(X509_getm_notAfter(out.cert), valid_to_s);
    X509_set_pubkey(out.cert, out.key);
    X509_NAME* name = X509_get_subject_name(out.cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("coronet tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(out.cert, issuer ? X509_get_subject_name(issuer->cert) : name);
    X509* issuer_cert = issuer ? issuer->cert : nullptr;
    if (ca) {
        add_ext(out.cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(out.cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(out.cert, issuer_cert, NID_basic_constraints, "CA:FALSE");
        add_ext(out.cert, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
    }
    add_ext(out.cert, issuer_cert, NID_subject_key_identifier, "hash");
    if (san) add_ext(out.cert, issuer_cert, NID_subject_alt_name, san);
    X509_sign(out.cert, issuer ? issuer->key : out.key, EVP_sha256());
    return out;
}

void write_cert(const std::string& path, X509* cert) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + path);
    PEM_write_X509(f, cert);
    std::fclose(f);
}

void write_key(const std::string& path, EVP_PKEY* key, const char* password = nullptr) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + path);
    if (password) {
        PEM_write_PrivateKey(f, key, EVP_aes_128_cbc(), nullptr, 0, nullptr,
                             const_cast<char*>(password));
    } else {
        PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    }
    std::fclose(f);
}

CertFiles save(const std::string& dir, const std::string& stem, Issued issued) {
    CertFiles files{dir + "/" + stem + ".pem", dir + "/" + stem + ".key"};
    write_cert(files.cert, issued.cert);
    write_key(files.key, issued.key);
    X509_free(issued.cert);
    EVP_PKEY_free(issued.key);
    return files;
}

struct Owner {
    TestCerts certs;
    Owner() {
        char tmpl[] = "/tmp/coronet-tls-test-XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        TestCerts& c = certs;
        c.dir = tmpl;
        constexpr long day = 24 * 3600;
        Issued ca = make_cert("coronet test CA", nullptr, nullptr, -day, 30 * day, true);
        Issued other_ca = make_cert("untrusted CA", nullptr, nullptr, -day, 30 * day, true);
        c.ca = c.dir + "/ca.pem";
        write_cert(c.ca, ca.cert);
        c.untrusted_ca = c.dir + "/untrusted-ca.pem";
        write_cert(c.untrusted_ca, other_ca.cert);
        const char* local = "DNS:localhost,IP:127.0.0.1,IP:::1";
        Issued server = make_cert("localhost", local, &ca, -day, 30 * day);
        c.encrypted_key = c.dir + "/server-encrypted.key";
        write_key(c.encrypted_key, server.key, "secret");
        c.server = save(c.dir, "server", server);
        c.other =
            save(c.dir, "other", make_cert("other.test", "DNS:other.test", &ca, -day, 30 * day));
        c.client = save(c.dir, "client", make_cert("coronet-client", nullptr, &ca, -day, 30 * day));
        c.expired = save(c.dir, "expired", make_cert("localhost", local, &ca, -2 * day, -day));
        c.wrong_host = save(c.dir, "wrong-host",
                            make_cert("wrong.example", "DNS:wrong.example", &ca, -day, 30 * day));
        c.untrusted =
            save(c.dir, "untrusted", make_cert("localhost", local, &other_ca, -day, 30 * day));
        for (Issued* i : {&ca, &other_ca}) {
            X509_free(i->cert);
            EVP_PKEY_free(i->key);
        }
    }
    ~Owner() {
        std::error_code ec;
        std::filesystem::remove_all(certs.dir, ec);
    }
};

}  // namespace

const TestCerts& certs() {
    static Owner owner;
    return owner.certs;
}

}  // namespace tls_test
