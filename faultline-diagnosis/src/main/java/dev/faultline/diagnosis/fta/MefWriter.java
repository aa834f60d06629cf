package dev.faultline.diagnosis.fta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a {@link FaultTreeModel} as one Open-PSA MEF document that {@link MefReader} reads back to the same model:
 * one {@code define-fault-tree} per fault tree with its gates and CCF groups, then {@code model-data} with every
 * parameter, basic event and house event. Stateless and thread-safe.
 */
public final class MefWriter {
  private MefWriter() {}

  /** The model as MEF text. */
  public static String toXml(FaultTreeModel model) {
    StringBuilder out = new StringBuilder();
    write(model, out);
    return out.toString();
  }

  /** Writes the model as MEF text to {@code out}. */
  public static void write(FaultTreeModel model, Appendable out) {
    try {
      new Emitter(out).model(model);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Emitter {
    private final Appendable out;

    Emitter(Appendable out) {
      this.out = out;
    }

    void model(FaultTreeModel m) throws IOException {
      out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opsa-mef>\n");
      Set<String> inTrees = new HashSet<>();
      for (FaultTree t : m.faultTrees()) {
        out.append("  <define-fault-tree name=\"").append(esc(t.name())).append("\">\n");
        for (Gate g : t.gates()) {
          out.append("    <define-gate name=\"").append(esc(g.name())).append("\">\n");
          label(g.label(), 6);
          formula(g.formula(), 6);
          out.append("    </define-gate>\n");
        }
        for (CcfGroup c : t.ccfGroups()) {
          ccf(c, 4);
          inTrees.add(c.name());
        }
        out.append("  </define-fault-tree>\n");
      }
      for (CcfGroup c : m.ccfGroups().values()) {
        if (!inTrees.contains(c.name())) {
          ccf(c, 2);
        }
      }
      out.append("  <model-data>\n");
      for (Parameter p : m.parameters().values()) {
        out.append("    <define-parameter name=\"").append(esc(p.name())).append('"');
        if (p.unit() != null) {
          out.append(" unit=\"").append(esc(p.unit())).append('"');
        }
        out.append(">\n");
        label(p.label(), 6);
        expression(p.expression(), 6);
        out.append("    </define-parameter>\n");
      }
      for (BasicEvent e : m.basicEvents().values()) {
        out.append("    <define-basic-event name=\"").append(esc(e.name())).append("\">\n");
        label(e.label(), 6);
        if (e.expression() != null) {
          expression(e.expression(), 6);
        }
        out.append("    </define-basic-event>\n");
      }
      for (HouseEvent h : m.houseEvents().values()) {
        out.append("    <define-house-event name=\"").append(esc(h.name())).append("\">\n");
        label(h.label(), 6);
        indent(6).append("<constant value=\"").append(String.valueOf(h.state())).append("\"/>\n");
        out.append("    </define-house-event>\n");
      }
      out.append("  </model-data>\n</opsa-mef>\n");
    }

    private void ccf(CcfGroup c, int depth) throws IOException {
      indent(depth).append("<define-CCF-group name=\"").append(esc(c.name())).append("\" model=\"")
          .append(c.model().xmlName()).append("\">\n");
      label(c.label(), depth + 2);
      indent(depth + 2).append("<members>\n");
      for (String m : c.members()) {
        indent(depth + 4).append("<basic-event name=\"").append(esc(m)).append("\"/>\n");
      }
      indent(depth + 2).append("</members>\n");
      indent(depth + 2).append("<distribution>\n");
      expression(c.distribution(), depth + 4);
      indent(depth + 2).append("</distribution>\n");
      indent(depth + 2).append("<factors>\n");
      for (CcfGroup.Factor f : c.factors()) {
        indent(depth + 4).append("<factor level=\"").append(String.valueOf(f.level())).append("\">\n");
        expression(f.value(), depth + 6);
        indent(depth + 4).append("</factor>\n");
      }
      indent(depth + 2).append("</factors>\n");
      indent(depth).append("</define-CCF-group>\n");
    }

    private void label(String label, int depth) throws IOException {
      if (label != null) {
        indent(depth).append("<label>").append(esc(label)).append("</label>\n");
      }
    }

    private void formula(Formula f, int depth) throws IOException {
      if (f instanceof Formula.Ref r) {
        indent(depth).append('<').append(r.kind().xmlName()).append(" name=\"").append(esc(r.name())).append("\"/>\n");
      } else if (f instanceof Formula.Constant c) {
        indent(depth).append("<constant value=\"").append(String.valueOf(c.value())).append("\"/>\n");
      } else {
        Formula.Operation op = (Formula.Operation) f;
        String tag = op.connective().xmlName();
        indent(depth).append('<').append(tag);
        if (op.connective() == Connective.ATLEAST || op.connective() == Connective.CARDINALITY) {
          out.append(" min=\"").append(String.valueOf(op.min())).append('"');
        }
        if (op.connective() == Connective.CARDINALITY) {
          out.append(" max=\"").append(String.valueOf(op.max())).append('"');
        }
        out.append(">\n");
        for (Formula a : op.args()) {
          formula(a, depth + 2);
        }
        indent(depth).append("</").append(tag).append(">\n");
      }
    }

    private void expression(Expression e, int depth) throws IOException {
      if (e instanceof Expression.Constant c) {
        String v = switch (c.type()) {
          case "bool" -> c.value() != 0 ? "true" : "false";
          case "int" -> String.valueOf((long) c.value());
          default -> String.valueOf(c.value());
        };
        indent(depth).append('<').append(c.type()).append(" value=\"").append(v).append("\"/>\n");
      } else if (e instanceof Expression.ParameterRef p) {
        indent(depth).append("<parameter name=\"").append(esc(p.name())).append("\"/>\n");
      } else if (e instanceof Expression.MissionTime) {
        indent(depth).append("<system-mission-time/>\n");
      } else if (e instanceof Expression.Exponential x) {
        op("exponential", depth, x.lambda(), x.time());
      } else if (e instanceof Expression.Glm x) {
        op("GLM", depth, x.gamma(), x.lambda(), x.mu(), x.time());
      } else if (e instanceof Expression.Weibull x) {
        op("Weibull", depth, x.alpha(), x.beta(), x.t0(), x.time());
      } else if (e instanceof Expression.PeriodicTest x) {
        op("periodic-test", depth, x.args().toArray(new Expression[0]));
      } else if (e instanceof Expression.Deviate x) {
        op(x.kind().xmlName(), depth, x.args().toArray(new Expression[0]));
      } else {
        Expression.Operation x = (Expression.Operation) e;
        op(x.operator().xmlName(), depth, x.args().toArray(new Expression[0]));
      }
    }

    private void op(String tag, int depth, Expression... args) throws IOException {
      if (args.length == 0) {
        indent(depth).append('<').append(tag).append("/>\n");
        return;
      }
      indent(depth).append('<').append(tag).append(">\n");
      for (Expression a : args) {
        expression(a, depth + 2);
      }
      indent(depth).append("</").append(tag).append(">\n");
    }

    private Appendable indent(int depth) throws IOException {
      for (int i = 0; i < depth; i++) {
        out.append(' ');
      }
      return out;
    }

    private static String esc(String s) {
      StringBuilder b = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '<' -> b.append("&lt;");
          case '>' -> b.append("&gt;");
          case '&' -> b.append("&amp;");
          case '"' -> b.append("&quot;");
          default -> b.append(c);
        }
      }
      return b.toString();
    }
  }
}
