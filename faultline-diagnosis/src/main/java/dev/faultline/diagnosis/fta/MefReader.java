package dev.faultline.diagnosis.fta;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads Open-PSA Model Exchange Format files into one {@link FaultTreeModel}: several files are combined, and model
 * data (basic events, house events, parameters) may live outside the fault trees or in another file.
 *
 * <p>Supported: {@code define-fault-tree} (components flattened into it), {@code define-gate} with {@code and, or,
 * atleast, not, xor, nand, nor, iff, imply, cardinality}, nested formulas, pass-through references and
 * {@code constant}; {@code define-basic-event}, {@code define-house-event}, {@code define-parameter},
 * {@code define-CCF-group} (beta-factor, MGL, alpha-factor, phi-factor); expressions {@code float, int, bool,
 * parameter, system-mission-time, exponential, GLM, Weibull, periodic-test}, the random deviates (at their mean) and
 * the arithmetic operators. Event trees, substitutions and includes are rejected with an error. The XML parser is
 * hardened: DTDs and external entities are refused, elements may nest at most {@value #MAX_DEPTH} levels, and a
 * document without another declared encoding must be valid UTF-8.
 *
 * <h2>Names and roles</h2>
 * As in the MEF (and SCRAM): gates, basic events, house events, parameters and CCF groups defined in a fault tree or
 * component are {@code public} unless their {@code role} attribute, or the nearest enclosing component's, says
 * {@code private}; a fault tree is public; model data is public. A public element is known everywhere by its name;
 * a private one only inside its container by its name, and anywhere by its full path ({@code tree.component.name}).
 * A reference {@code r} inside the container with path {@code c} is looked up as {@code c.r} first (which also
 * reaches into sub-components by a relative path), then as a public name if it has no dot, else as a full path.
 * Private elements keep their full path as their name in the {@link FaultTreeModel} (so two private
 * {@code pump} gates of two components are {@code t.a.pump} and {@code t.b.pump}); {@link MefWriter} writes those
 * names as they are and this reader reads them back.
 *
 * <p>Every error is a {@link MefException} naming the file, the line and the element. Not thread-safe: use one reader
 * per model.
 */
public final class MefReader {
  private final Map<String, byte[]> sources = new LinkedHashMap<>();

  /** Creates a reader with no sources. */
  public MefReader() {}

  /** Reads and combines the given files. */
  public static FaultTreeModel read(List<Path> files) {
    MefReader reader = new MefReader();
    for (Path f : files) {
      reader.addFile(f);
    }
    return reader.read();
  }

  /** Reads and combines the given files. */
  public static FaultTreeModel read(Path... files) {
    return read(List.of(files));
  }

  /** Reads one document given as text; {@code name} is used in error messages. */
  public static FaultTreeModel parse(String name, String xml) {
    return new MefReader().addText(name, xml).read();
  }

  /** Adds a file to read. */
  public MefReader addFile(Path file) {
    try {
      return addBytes(file.toString(), Files.readAllBytes(file));
    } catch (IOException e) {
      throw new MefException(new dev.faultline.diagnosis.fta.Location(file.toString(), 0, "file"),
          "cannot read the file: " + e.getMessage(), e);
    }
  }

  /** Adds a document given as text. */
  public MefReader addText(String name, String xml) {
    return addBytes(name, xml.getBytes(StandardCharsets.UTF_8));
  }

  /** Adds a document given as bytes. */
  public MefReader addBytes(String name, byte[] xml) {
    if (sources.containsKey(name)) {
      throw new MefException(new dev.faultline.diagnosis.fta.Location(name, 0, "file"), "the file was given twice");
    }
    sources.put(name, xml.clone());
    return this;
  }

  /** Parses and validates every source added, and returns the combined model. */
  public FaultTreeModel read() {
    List<El> roots = new ArrayList<>();
    for (Map.Entry<String, byte[]> s : sources.entrySet()) {
      roots.add(parseXml(s.getKey(), s.getValue()));
    }
    Interpreter in = new Interpreter();
    for (El root : roots) {
      in.declare(root);
    }
    for (El root : roots) {
      in.define(root);
    }
    return in.builder.build();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // A small element tree with line numbers.

  /** One XML element with its attributes, children and line. */
  static final class El {
    final String file;
    final String name;
    final Map<String, String> attrs = new LinkedHashMap<>();
    final List<El> children = new ArrayList<>();
    final StringBuilder text = new StringBuilder();
    final int line;

    El(String file, String name, int line) {
      this.file = file;
      this.name = name;
      this.line = line;
    }

    dev.faultline.diagnosis.fta.Location location() {
      String n = attrs.get("name");
      return new dev.faultline.diagnosis.fta.Location(file, line, "<" + name + (n == null ? "" : " name=\"" + n + "\"")
          + ">");
    }

    MefException error(String message) {
      return new MefException(location(), message);
    }

    String required(String attr) {
      String v = attrs.get(attr);
      if (v == null || v.isBlank()) {
        throw error("attribute \"" + attr + "\" is required");
      }
      return v.strip();
    }
  }

  private static final XMLInputFactory FACTORY = newFactory();

  private static XMLInputFactory newFactory() {
    XMLInputFactory f = XMLInputFactory.newFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    f.setProperty(XMLInputFactory.IS_COALESCING, false);
    return f;
  }

  /** How deeply elements may nest; real models nest a few levels, and the reader's recursion stays far from the stack's end. */
  static final int MAX_DEPTH = 256;

  static El parseXml(String file, byte[] bytes) {
    XMLStreamReader r = null;
    try {
      String text = utf8(file, bytes);
      synchronized (FACTORY) {
        r = text != null ? FACTORY.createXMLStreamReader(file, new StringReader(text))
            : FACTORY.createXMLStreamReader(file, new ByteArrayInputStream(bytes));
      }
      List<El> stack = new ArrayList<>();
      El root = null;
      while (r.hasNext()) {
        int ev = r.next();
        switch (ev) {
          case XMLStreamConstants.DTD -> throw new MefException(
              new dev.faultline.diagnosis.fta.Location(file, r.getLocation().getLineNumber(), "<!DOCTYPE>"),
              "DTDs are not allowed in MEF input");
          case XMLStreamConstants.ENTITY_REFERENCE -> throw new MefException(
              new dev.faultline.diagnosis.fta.Location(file, r.getLocation().getLineNumber(), "&" + r.getLocalName()
                  + ";"), "entity references are not allowed in MEF input");
          case XMLStreamConstants.START_ELEMENT -> {
            El el = new El(file, r.getLocalName(), r.getLocation().getLineNumber());
            if (stack.size() == MAX_DEPTH) {
              throw el.error("elements nest deeper than " + MAX_DEPTH + " levels");
            }
            for (int i = 0; i < r.getAttributeCount(); i++) {
              el.attrs.put(r.getAttributeLocalName(i), r.getAttributeValue(i));
            }
            if (stack.isEmpty()) {
              root = el;
            } else {
              stack.get(stack.size() - 1).children.add(el);
            }
            stack.add(el);
          }
          case XMLStreamConstants.END_ELEMENT -> stack.remove(stack.size() - 1);
          case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> {
            if (!stack.isEmpty() && stack.get(stack.size() - 1).name.equals("label")) {
              stack.get(stack.size() - 1).text.append(r.getText());
            }
          }
          default -> { }
        }
      }
      if (root == null) {
        throw new MefException(new dev.faultline.diagnosis.fta.Location(file, 1, "document"), "no root element");
      }
      if (!root.name.equals("opsa-mef")) {
        throw root.error("the root element must be <opsa-mef>");
      }
      return root;
    } catch (XMLStreamException e) {
      Location loc = e.getLocation();
      String msg = e.getMessage();
      int cut = msg == null ? -1 : msg.indexOf("Message: ");
      throw new MefException(new dev.faultline.diagnosis.fta.Location(file, loc == null ? 0 : loc.getLineNumber(),
          "XML"), "malformed XML: " + (cut >= 0 ? msg.substring(cut + 9) : msg), e);
    } catch (MefException e) {
      throw e;
    } catch (RuntimeException e) {
      // The JDK's parser throws unchecked exceptions on some malformed input (for example a
      // MissingResourceException for a bad character in a DOCTYPE, found by fuzzing).
      int line = 0;
      if (r != null) {
        try {
          line = Math.max(0, r.getLocation().getLineNumber());
        } catch (RuntimeException ignored) {
          // No location to report: the line stays unknown (0).
        }
      }
      throw new MefException(new dev.faultline.diagnosis.fta.Location(file, line, "XML"), "malformed XML ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
    } finally {
      if (r != null) {
        try {
          r.close();
        } catch (XMLStreamException ignored) {
          // Closing an in-memory reader cannot lose data.
        }
      }
    }
  }

  /**
   * The document as text when it is UTF-8 (no byte-order mark of another encoding and no other encoding declared),
   * so that the XML parser never decodes it (the JDK's parser prints malformed UTF-8 to stderr as it reports it); null
   * when another encoding is declared, which the parser then decodes.
   *
   * @throws MefException naming the line if the bytes are not valid UTF-8
   */
  private static String utf8(String file, byte[] bytes) {
    if (bytes.length >= 2 && ((bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF)
        || (bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE))) {
      return null;
    }
    int start = bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF
        ? 3 : 0;
    Matcher declaration = ENCODING.matcher(new String(bytes, start, Math.min(bytes.length - start, 200),
        StandardCharsets.ISO_8859_1));
    if (declaration.lookingAt() && !declaration.group(1).equalsIgnoreCase("UTF-8")
        && !declaration.group(1).equalsIgnoreCase("UTF8")) {
      return null;
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
    try {
      return decoder.decode(in).toString();
    } catch (CharacterCodingException e) {
      // decode() leaves the buffer where it stopped: at the first bad byte.
      int bad = in.position();
      int line = 1;
      for (int i = start; i < bad; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new MefException(new dev.faultline.diagnosis.fta.Location(file, line, "XML"),
          "malformed XML: invalid UTF-8 at byte " + bad);
    }
  }

  /** A number of {@code <float>}: decimal, optionally in scientific notation (XML Schema's double, finite). */
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  /** A number of {@code <int>}. */
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

  /** An XML declaration naming an encoding. */
  private static final Pattern ENCODING = Pattern.compile(
      "<\\?xml\\s[^>]*?encoding\\s*=\\s*[\"']([A-Za-z0-9._-]+)[\"']");

  // ---------------------------------------------------------------------------------------------------------------

  /** Two passes: declare every name with its kind and place, then build the definitions. */
  private static final class Interpreter {
    final FaultTreeModel.Builder builder = FaultTreeModel.builder();

    /** A declared name: what it is, the name it has in the model, and where it was defined. */
    record Declared(EventKind kind, String modelName, dev.faultline.diagnosis.fta.Location where) {}

    /** Events by id: a public element's name, a private element's full path. */
    final Map<String, Declared> byId = new HashMap<>();
    /** Events by full path: container path and name ({@code tree.component.name}; model data: the name). */
    final Map<String, Declared> byPath = new HashMap<>();
    final Map<String, Declared> parametersById = new HashMap<>();
    final Map<String, Declared> parametersByPath = new HashMap<>();
    /** The model name given to each defining element in the first pass. */
    final Map<El, String> modelNames = new java.util.IdentityHashMap<>();
    /** Where each fault tree was defined, to name both places of a duplicate. */
    final Map<String, dev.faultline.diagnosis.fta.Location> faultTrees = new HashMap<>();

    void declare(El root) {
      for (El c : root.children) {
        switch (c.name) {
          case "define-fault-tree" -> {
            String n = c.required("name");
            dev.faultline.diagnosis.fta.Location first = faultTrees.putIfAbsent(n, c.location());
            if (first != null) {
              throw c.error("duplicate definition of fault tree \"" + n + "\"; first defined at " + first);
            }
            declareContainer(c, n, false);
          }
          case "model-data" -> declareContainer(c, "", false);
          case "define-gate", "define-basic-event", "define-house-event", "define-parameter", "define-CCF-group" ->
              declareElement(c, "", false);
          default -> { }
        }
      }
    }

    /** Declares what {@code container} (path {@code path}, its elements private by default if so) defines. */
    private void declareContainer(El container, String path, boolean privateByDefault) {
      for (El d : container.children) {
        if (d.name.equals("define-component")) {
          declareContainer(d, path + "." + d.required("name"), isPrivate(d, privateByDefault));
        } else {
          declareElement(d, path, privateByDefault);
        }
      }
    }

    private static boolean isPrivate(El d, boolean inherited) {
      String role = d.attrs.get("role");
      if (role == null) {
        return inherited;
      }
      return switch (role.strip()) {
        case "private" -> true;
        case "public" -> false;
        default -> throw d.error("role must be \"public\" or \"private\", but was \"" + role + "\"");
      };
    }

    private void declareElement(El d, String path, boolean privateByDefault) {
      switch (d.name) {
        case "define-gate" -> declareEvent(d, EventKind.GATE, path, privateByDefault, byId, byPath);
        case "define-basic-event" -> declareEvent(d, EventKind.BASIC_EVENT, path, privateByDefault, byId, byPath);
        case "define-house-event" -> declareEvent(d, EventKind.HOUSE_EVENT, path, privateByDefault, byId, byPath);
        case "define-parameter" -> declareEvent(d, null, path, privateByDefault, parametersById, parametersByPath);
        case "define-CCF-group" -> {
          boolean groupPrivate = isPrivate(d, privateByDefault);
          modelNames.put(d, modelName(d, path, groupPrivate));
          for (El m : d.children) {
            if (m.name.equals("members")) {
              for (El b : m.children) {
                if (!b.name.equals("basic-event")) {
                  throw b.error("CCF group members must be <basic-event> elements");
                }
                declareEvent(b, EventKind.BASIC_EVENT, path, groupPrivate, byId, byPath);
              }
            }
          }
        }
        default -> { }
      }
    }

    private static String modelName(El d, String path, boolean isPrivate) {
      String name = d.required("name");
      if (isPrivate && path.isEmpty()) {
        throw d.error("role=\"private\" needs a fault tree or component to be private to");
      }
      return isPrivate ? path + "." + name : name;
    }

    /** Declares one event (kind null: a parameter) in the container with path {@code path}. */
    private void declareEvent(El d, EventKind kind, String path, boolean privateByDefault, Map<String, Declared> ids,
        Map<String, Declared> paths) {
      String name = d.required("name");
      String what = kind == null ? "parameter" : kind.xmlName();
      String id = modelName(d, path, isPrivate(d, privateByDefault));
      String fullPath = path.isEmpty() ? name : path + "." + name;
      Declared first = ids.containsKey(id) ? ids.get(id) : paths.get(fullPath);
      if (first != null) {
        throw d.error("duplicate definition of " + what + " \"" + name + "\""
            + (path.isEmpty() ? "" : " in " + path) + "; first defined at " + first.where());
      }
      Declared declared = new Declared(kind, id, d.location());
      ids.put(id, declared);
      paths.put(fullPath, declared);
      modelNames.put(d, id);
    }

    /**
     * Looks {@code reference} up from the container with path {@code path}: its own elements (or, with a dotted
     * reference, a sub-component's) first, then a public name, or a full path.
     */
    private static Declared lookup(String reference, String path, Map<String, Declared> ids,
        Map<String, Declared> paths) {
      if (!path.isEmpty()) {
        Declared local = paths.get(path + "." + reference);
        if (local != null) {
          return local;
        }
      }
      if (reference.indexOf('.') < 0) {
        return ids.get(reference);
      }
      Declared direct = paths.get(reference);
      // A dotted name that is an id is a private element's full path written as a name (by MefWriter).
      return direct != null ? direct : ids.get(reference);
    }

    void define(El root) {
      for (El c : root.children) {
        switch (c.name) {
          case "define-fault-tree" -> {
            List<Gate> gates = new ArrayList<>();
            List<CcfGroup> ccfs = new ArrayList<>();
            defineContainer(c, c.required("name"), gates, ccfs);
            builder.addFaultTree(new FaultTree(c.required("name"), gates, ccfs));
          }
          case "model-data" -> {
            for (El d : c.children) {
              switch (d.name) {
                case "define-basic-event", "define-house-event", "define-parameter" -> defineData(d, "");
                case "label", "attributes" -> { }
                default -> throw d.error("unexpected element in <model-data>");
              }
            }
          }
          case "define-CCF-group" -> builder.addCcfGroup(ccf(c, ""));
          case "define-parameter", "define-basic-event", "define-house-event" -> defineData(c, "");
          case "label", "attributes" -> { }
          default -> throw c.error("<" + c.name + "> is not supported by this reader (fault trees only)");
        }
      }
    }

    private void defineContainer(El container, String path, List<Gate> gates, List<CcfGroup> ccfs) {
      for (El d : container.children) {
        switch (d.name) {
          case "define-gate" -> gates.add(gate(d, path));
          case "define-CCF-group" -> ccfs.add(ccf(d, path));
          case "define-component" -> defineContainer(d, path + "." + d.required("name"), gates, ccfs);
          case "define-basic-event", "define-house-event", "define-parameter" -> defineData(d, path);
          case "label", "attributes" -> { }
          default -> throw d.error("<" + d.name + "> is not supported inside <" + container.name + ">");
        }
      }
    }

    private void defineData(El d, String path) {
      String name = modelNames.get(d);
      List<El> body = body(d);
      switch (d.name) {
        case "define-basic-event" -> {
          if (body.size() > 1) {
            throw d.error("a basic event takes at most one expression");
          }
          builder.addBasicEvent(new BasicEvent(name, body.isEmpty() ? null : expression(body.get(0), path), label(d),
              d.location()));
        }
        case "define-house-event" -> {
          boolean state = false;
          if (body.size() > 1) {
            throw d.error("a house event takes at most one <constant>");
          }
          if (body.size() == 1) {
            El k = body.get(0);
            if (!k.name.equals("constant") && !k.name.equals("bool")) {
              throw k.error("a house event's value must be <constant value=\"true|false\"/>");
            }
            state = bool(k);
          }
          builder.addHouseEvent(new HouseEvent(name, state, label(d), d.location()));
        }
        default -> {
          if (body.size() != 1) {
            throw d.error("a parameter takes exactly one expression, but had " + body.size());
          }
          builder.addParameter(new Parameter(name, expression(body.get(0), path), d.attrs.get("unit"), label(d),
              d.location()));
        }
      }
    }

    private static List<El> body(El d) {
      List<El> out = new ArrayList<>();
      for (El c : d.children) {
        if (!c.name.equals("label") && !c.name.equals("attributes")) {
          out.add(c);
        }
      }
      return out;
    }

    private static String label(El d) {
      for (El c : d.children) {
        if (c.name.equals("label")) {
          return c.text.toString().strip();
        }
      }
      return null;
    }

    private Gate gate(El d, String path) {
      String name = modelNames.get(d);
      List<El> body = body(d);
      if (body.size() != 1) {
        throw d.error("a gate takes exactly one formula, but had " + body.size());
      }
      return new Gate(name, formula(body.get(0), path), label(d), d.location());
    }

    private Formula formula(El e, String path) {
      switch (e.name) {
        case "gate", "basic-event", "house-event", "event" -> {
          return ref(e, path);
        }
        case "constant" -> {
          return new Formula.Constant(bool(e));
        }
        default -> { }
      }
      Connective c = Connective.fromXml(e.name);
      if (c == null) {
        throw e.error("unknown formula element");
      }
      List<Formula> args = new ArrayList<>();
      for (El a : e.children) {
        args.add(formula(a, path));
      }
      int min = c == Connective.ATLEAST || c == Connective.CARDINALITY ? integer(e, "min") : 0;
      int max = c == Connective.CARDINALITY ? integer(e, "max") : 0;
      try {
        return new Formula.Operation(c, args, min, max);
      } catch (IllegalArgumentException x) {
        throw e.error(x.getMessage());
      }
    }

    private Formula.Ref ref(El e, String path) {
      String n = e.required("name");
      String want = e.name.equals("event") ? eventType(e) : e.name;
      Declared found = lookup(n, path, byId, byPath);
      if (found == null) {
        throw e.error("undefined " + (want == null ? "event" : want) + " \"" + n + "\""
            + (path.isEmpty() ? "" : " (looked up from " + path + ")"));
      }
      if (want != null && !want.equals(found.kind().xmlName())) {
        throw e.error("\"" + n + "\" is a " + found.kind().xmlName() + ", not a " + want);
      }
      return new Formula.Ref(found.kind(), found.modelName());
    }

    /**
     * The {@code type} of an {@code <event>} reference, or null without one: one of the schema's values, which are
     * tokens (surrounding white space is allowed); anything else is an error, not a kind of event to look for.
     */
    private static String eventType(El e) {
      String type = e.attrs.get("type");
      if (type == null) {
        return null;
      }
      for (EventKind kind : EventKind.values()) {
        if (kind.xmlName().equals(type.strip())) {
          return kind.xmlName();
        }
      }
      throw e.error("type must be gate, basic-event or house-event, but was \"" + type + "\"");
    }

    private static boolean bool(El e) {
      String v = e.required("value");
      return switch (v) {
        case "true" -> true;
        case "false" -> false;
        default -> throw e.error("value must be true or false, but was \"" + v + "\"");
      };
    }

    private static int integer(El e, String attr) {
      String v = e.required(attr);
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException x) {
        throw e.error("attribute \"" + attr + "\" must be an integer, but was \"" + v + "\"");
      }
    }

    private CcfGroup ccf(El d, String path) {
      String name = modelNames.get(d);
      String modelName = d.required("model");
      CcfModel model = CcfModel.fromXml(modelName);
      if (model == null) {
        throw d.error("unknown CCF model \"" + modelName + "\" (beta-factor, MGL, alpha-factor, phi-factor)");
      }
      List<String> members = new ArrayList<>();
      Expression distribution = null;
      List<El> factorEls = new ArrayList<>();
      for (El c : body(d)) {
        switch (c.name) {
          case "members" -> c.children.forEach(m -> members.add(modelNames.get(m)));
          case "distribution" -> {
            if (c.children.size() != 1) {
              throw c.error("a distribution takes exactly one expression");
            }
            distribution = expression(c.children.get(0), path);
          }
          case "factors" -> factorEls.addAll(c.children);
          case "factor" -> factorEls.add(c);
          default -> throw c.error("unexpected element in <define-CCF-group>");
        }
      }
      if (members.isEmpty()) {
        throw d.error("CCF group has no <members>");
      }
      if (distribution == null) {
        throw d.error("CCF group has no <distribution>");
      }
      int level = switch (model) {
        case BETA_FACTOR -> members.size();
        case MGL -> 2;
        default -> 1;
      };
      List<CcfGroup.Factor> factors = new ArrayList<>();
      for (El f : factorEls) {
        if (!f.name.equals("factor")) {
          throw f.error("expected <factor>");
        }
        int lv = f.attrs.containsKey("level") ? integer(f, "level") : level;
        if (f.children.size() != 1) {
          throw f.error("a factor takes exactly one expression");
        }
        factors.add(new CcfGroup.Factor(lv, expression(f.children.get(0), path)));
        level = lv + 1;
      }
      return new CcfGroup(name, model, members, distribution, factors, label(d), d.location());
    }

    private Expression expression(El e, String path) {
      List<Expression> args = new ArrayList<>();
      try {
        switch (e.name) {
          case "float", "int" -> {
            String v = e.required("value");
            boolean integer = e.name.equals("int");
            // Double.parseDouble also takes NaN, Infinity, hexadecimal and a type suffix, none of them MEF numbers.
            if (!(integer ? INTEGER : DECIMAL).matcher(v).matches()) {
              throw e.error("value must be " + (integer ? "an integer" : "a decimal number") + ", but was \"" + v
                  + "\"");
            }
            double d = Double.parseDouble(v);
            if (Double.isInfinite(d)) {
              throw e.error("value is too large for a double: \"" + v + "\"");
            }
            return new Expression.Constant(d, e.name);
          }
          case "bool" -> {
            return new Expression.Constant(bool(e) ? 1 : 0, "bool");
          }
          case "parameter" -> {
            String n = e.required("name");
            Declared found = lookup(n, path, parametersById, parametersByPath);
            if (found == null) {
              throw e.error("undefined parameter \"" + n + "\"" + (path.isEmpty() ? "" : " (looked up from " + path
                  + ")"));
            }
            return new Expression.ParameterRef(found.modelName());
          }
          case "system-mission-time" -> {
            return new Expression.MissionTime();
          }
          default -> { }
        }
        for (El c : e.children) {
          args.add(expression(c, path));
        }
        switch (e.name) {
          case "exponential" -> {
            arity(e, args, 2);
            return new Expression.Exponential(args.get(0), args.get(1));
          }
          case "GLM" -> {
            arity(e, args, 4);
            return new Expression.Glm(args.get(0), args.get(1), args.get(2), args.get(3));
          }
          case "Weibull" -> {
            arity(e, args, 4);
            return new Expression.Weibull(args.get(0), args.get(1), args.get(2), args.get(3));
          }
          case "periodic-test" -> {
            return new Expression.PeriodicTest(args);
          }
          default -> { }
        }
        Expression.DeviateKind dk = Expression.DeviateKind.fromXml(e.name);
        if (dk != null) {
          return new Expression.Deviate(dk, args);
        }
        Expression.Operator op = Expression.Operator.fromXml(e.name);
        if (op != null) {
          return new Expression.Operation(op, args);
        }
        throw e.error("unsupported expression element");
      } catch (IllegalArgumentException x) {
        throw e.error(x.getMessage());
      }
    }

    private static void arity(El e, List<Expression> args, int n) {
      if (args.size() != n) {
        throw e.error("<" + e.name + "> takes " + n + " arguments, but had " + args.size());
      }
    }
  }
}
