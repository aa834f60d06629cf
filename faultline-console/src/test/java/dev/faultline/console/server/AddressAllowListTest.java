package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CIDR matching of the client-address allow-list, and its enforcement over HTTP before anything else. */
class AddressAllowListTest {

  @TempDir
  Path dir;

  @Test
  void matchesCidrBlocksAndSingleAddresses() {
    AddressAllowList list = AddressAllowList.of(List.of("10.0.0.0/8", "192.168.1.128/25", "203.0.113.7", "fd00::/8"));
    assertTrue(list.allows("10.255.1.2"));
    assertFalse(list.allows("11.0.0.1"));
    assertTrue(list.allows("192.168.1.200"));
    assertFalse(list.allows("192.168.1.127"));
    assertTrue(list.allows("203.0.113.7"));
    assertFalse(list.allows("203.0.113.8"));
    assertTrue(list.allows("fd12:3456::1"));
    assertTrue(list.allows("[fd12:3456::1]"));
    assertFalse(list.allows("fe80::1"));
    assertFalse(list.allows("example.com"), "names are never resolved");
    assertTrue(AddressAllowList.allowAll().allows("198.51.100.1"));
    assertTrue(AddressAllowList.of(List.of("0.0.0.0/0")).allows("198.51.100.1"));
  }

  @Test
  void refusesBadEntriesNamingThem() {
    for (String bad : new String[] {"localhost", "10.0.0.0/33", "10.0.0.0/x", "::1/129", "1.2.3", ""}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> AddressAllowList.of(List.of(bad)), bad);
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void aClientOutsideTheListIsRefusedEvenForHealth() {
    try (ServerFixture f = new ServerFixture(dir, b -> b.allowList(AddressAllowList.of(List.of("10.0.0.0/8"))))) {
      ServerFixture.Reply reply = f.get("/health", null);
      assertEquals(403, reply.status(), reply.body());
      assertEquals("address-not-allowed", reply.error());
    }
  }

  @Test
  void aClientInsideTheListIsServed() {
    try (ServerFixture f = new ServerFixture(dir, b -> b.allowList(AddressAllowList.of(List.of("127.0.0.0/8"))))) {
      assertEquals(200, f.get("/health", null).status());
    }
  }
}
