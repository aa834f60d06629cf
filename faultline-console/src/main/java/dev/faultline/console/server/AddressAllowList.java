package dev.faultline.console.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Client addresses allowed to reach the server, as CIDR blocks ({@code 10.0.0.0/8}, {@code ::1/128}) or single
 * addresses; an empty list allows every address.
 *
 * <p>Entries must be IP literals: a host name is refused, so that no DNS lookup decides who may connect. IPv4 and IPv6
 * are matched separately (an IPv4 block never matches an IPv6 client). Immutable, thread-safe.
 */
public final class AddressAllowList {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private record Block(byte[] network, int prefix) {}

  private final List<Block> blocks;
  private final List<String> entries;

  private AddressAllowList(List<Block> blocks, List<String> entries) {
    this.blocks = blocks;
    this.entries = entries;
  }

  /** The list that allows every address. */
  public static AddressAllowList allowAll() {
    return new AddressAllowList(List.of(), List.of());
  }

  /**
   * Parses CIDR blocks or single addresses.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  public static AddressAllowList of(List<String> cidrs) {
    List<Block> blocks = new ArrayList<>();
    for (String cidr : cidrs) {
      blocks.add(parse(cidr.trim()));
    }
    return new AddressAllowList(List.copyOf(blocks), List.copyOf(cidrs));
  }

  private static Block parse(String cidr) {
    int slash = cidr.indexOf('/');
    String host = slash < 0 ? cidr : cidr.substring(0, slash);
    if (!isLiteral(host)) {
      throw new IllegalArgumentException("allow-list entry '" + cidr + "' must be an IP address or CIDR block such"
          + " as 10.0.0.0/8 or ::1/128 (host names are not allowed)");
    }
    byte[] address;
    try {
      address = InetAddress.getByName(host).getAddress();  // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("allow-list entry '" + cidr + "' is not a valid IP address", e);
    }
    int bits = address.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(cidr.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("allow-list entry '" + cidr + "' must have a prefix length from 0 to "
            + bits);
      }
    }
    return new Block(address, prefix);
  }

  /** Whether the client at {@code address} (an IP literal, as the server sees it) may connect. */
  public boolean allows(String address) {
    if (blocks.isEmpty()) {
      return true;
    }
    if (address.length() > 2 && address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1);  // a bracketed IPv6 literal
    }
    byte[] client;
    try {
      if (!isLiteral(address)) {
        return false;
      }
      client = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      return false;
    }
    for (Block block : blocks) {
      if (block.network().length == client.length && matches(block, client)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code host} is a dotted-quad IPv4 or an IPv6 literal (so that parsing it never looks a name up). */
  private static boolean isLiteral(String host) {
    return IPV4.matcher(host).matches() || IPV6.matcher(host).matches();
  }

  private static boolean matches(Block block, byte[] client) {
    int full = block.prefix() / 8;
    for (int i = 0; i < full; i++) {
      if (block.network()[i] != client[i]) {
        return false;
      }
    }
    int rest = block.prefix() % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xFF << (8 - rest) & 0xFF;
    return (block.network()[full] & mask) == (client[full] & mask);
  }

  @Override
  public String toString() {
    return blocks.isEmpty() ? "all addresses" : String.join(", ", entries);
  }
}
