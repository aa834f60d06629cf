package dev.faultline.diagnosis.fta;

import java.util.List;
import java.util.Objects;

/**
 * A numerical expression of the MEF stochastic layer: a constant, a parameter, the mission time, a built-in
 * reliability law, a random deviate (valued at its mean, as a point estimate) or an arithmetic operation. Immutable and
 * thread-safe.
 */
public sealed interface Expression permits Expression.Constant, Expression.ParameterRef, Expression.MissionTime,
    Expression.Exponential, Expression.Glm, Expression.Weibull, Expression.PeriodicTest, Expression.Deviate,
    Expression.Operation {

  /** What an expression needs to be evaluated: parameter values and the mission time. */
  interface Environment {
    /** The value of the named parameter. */
    double parameter(String name);

    /** The mission time in hours. */
    double missionTime();
  }

  /** The value of this expression in {@code env}. */
  double value(Environment env);

  /**
   * A constant ({@code <float>}, {@code <int>} or {@code <bool>}, which is 1 or 0).
   *
   * @param value the value
   * @param type "float", "int" or "bool", for writing it back
   */
  record Constant(double value, String type) implements Expression {
    /** Checks the type. */
    public Constant {
      if (!type.equals("float") && !type.equals("int") && !type.equals("bool")) {
        throw new IllegalArgumentException("constant type must be float, int or bool, but was " + type);
      }
    }

    /** A float constant. */
    public static Constant of(double value) {
      return new Constant(value, "float");
    }

    @Override
    public double value(Environment env) {
      return value;
    }
  }

  /**
   * A reference to a parameter.
   *
   * @param name the parameter's name
   */
  record ParameterRef(String name) implements Expression {
    /** Checks the name. */
    public ParameterRef {
      Objects.requireNonNull(name, "name");
    }

    @Override
    public double value(Environment env) {
      return env.parameter(name);
    }
  }

  /** The system mission time ({@code <system-mission-time/>}), in hours. */
  record MissionTime() implements Expression {
    @Override
    public double value(Environment env) {
      return env.missionTime();
    }
  }

  /**
   * The exponential law: {@code 1 - exp(-lambda t)}.
   *
   * @param lambda the failure rate
   * @param time the time
   */
  record Exponential(Expression lambda, Expression time) implements Expression {
    @Override
    public double value(Environment env) {
      return -Math.expm1(-lambda.value(env) * time.value(env));
    }
  }

  /**
   * The GLM law (gamma, lambda, mu, t): {@code (lambda - (lambda - gamma (lambda + mu)) exp(-(lambda + mu) t)) /
   * (lambda + mu)}.
   *
   * @param gamma the probability of failure on demand
   * @param lambda the failure rate
   * @param mu the repair rate
   * @param time the time
   */
  record Glm(Expression gamma, Expression lambda, Expression mu, Expression time) implements Expression {
    @Override
    public double value(Environment env) {
      double g = gamma.value(env);
      double l = lambda.value(env);
      double m = mu.value(env);
      double t = time.value(env);
      double r = l + m;
      if (r == 0) {
        return g;
      }
      return (l - (l - g * r) * Math.exp(-r * t)) / r;
    }
  }

  /**
   * The Weibull law (alpha, beta, t0, t): {@code 1 - exp(-((t - t0) / alpha)^beta)} for {@code t > t0}, else 0.
   *
   * @param alpha the scale
   * @param beta the shape
   * @param t0 the time shift
   * @param time the time
   */
  record Weibull(Expression alpha, Expression beta, Expression t0, Expression time) implements Expression {
    /**
     * {@inheritDoc}
     *
     * @throws ArithmeticException when the scale or the shape is not positive (as SCRAM refuses them: a scale of 0
     *     made a probability of 1, a shape of 0 one of 1 - 1/e, whatever the time)
     */
    @Override
    public double value(Environment env) {
      double a = alpha.value(env);
      double b = beta.value(env);
      if (!(a > 0) || !(b > 0)) {
        throw new ArithmeticException("<Weibull> takes a positive scale (alpha) and shape (beta), but had alpha " + a
            + " and beta " + b);
      }
      double s = t0.value(env);
      double t = time.value(env);
      return t <= s ? 0 : -Math.expm1(-Math.pow((t - s) / a, b));
    }
  }

  /**
   * The periodic-test law with 4 arguments (lambda, tau, theta, t: instant test and repair), 5 (lambda, mu, tau,
   * theta, t: instant test, repair at rate mu) or 11 (lambda, lambda-test, mu, tau, theta, gamma, test duration,
   * available at test, sigma, omega, t), as defined by the Open-PSA MEF and computed as SCRAM does.
   *
   * @param args the 4, 5 or 11 arguments
   */
  record PeriodicTest(List<Expression> args) implements Expression {
    /** Checks the arity. */
    public PeriodicTest {
      args = List.copyOf(args);
      if (args.size() != 4 && args.size() != 5 && args.size() != 11) {
        throw new IllegalArgumentException("periodic-test takes 4, 5 or 11 arguments, but had " + args.size());
      }
    }

    @Override
    public double value(Environment env) {
      double[] a = new double[args.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = args.get(i).value(env);
      }
      return switch (a.length) {
        case 4 -> Laws.periodicInstantRepair(a[0], a[1], a[2], a[3]);
        case 5 -> Laws.periodicInstantTest(a[0], a[1], a[2], a[3], a[4]);
        default -> Laws.periodicComplete(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7] != 0, a[8], a[9], a[10]);
      };
    }
  }

  /** The random deviates of the MEF; a point estimate uses their mean. */
  enum DeviateKind {
    /** uniform-deviate(min, max): mean (min + max) / 2. */
    UNIFORM("uniform-deviate", 2),
    /** normal-deviate(mean, sigma). */
    NORMAL("normal-deviate", 2),
    /** lognormal-deviate(mean, error factor, level). */
    LOGNORMAL("lognormal-deviate", 3),
    /** gamma-deviate(k, theta): mean k theta. */
    GAMMA("gamma-deviate", 2),
    /** beta-deviate(alpha, beta): mean alpha / (alpha + beta). */
    BETA("beta-deviate", 2);

    private final String xmlName;
    private final int arity;

    DeviateKind(String xmlName, int arity) {
      this.xmlName = xmlName;
      this.arity = arity;
    }

    /** The MEF element name. */
    public String xmlName() {
      return xmlName;
    }

    /** The number of arguments. */
    public int arity() {
      return arity;
    }

    /** The kind with this element name, or null. */
    public static DeviateKind fromXml(String name) {
      for (DeviateKind k : values()) {
        if (k.xmlName.equals(name)) {
          return k;
        }
      }
      return null;
    }
  }

  /**
   * A random deviate, valued at its mean.
   *
   * @param kind the distribution
   * @param args its arguments
   */
  record Deviate(DeviateKind kind, List<Expression> args) implements Expression {
    /** Checks the arity. */
    public Deviate {
      args = List.copyOf(args);
      if (args.size() != kind.arity()) {
        throw new IllegalArgumentException(kind.xmlName() + " takes " + kind.arity() + " arguments, but had "
            + args.size());
      }
    }

    @Override
    public double value(Environment env) {
      double a = args.get(0).value(env);
      double b = args.get(1).value(env);
      return switch (kind) {
        case UNIFORM -> (a + b) / 2;
        case NORMAL, LOGNORMAL -> a;
        case GAMMA -> a * b;
        case BETA -> a / (a + b);
      };
    }
  }

  /** The arithmetic operators of the MEF, with their arity (-1: one or more). */
  enum Operator {
    /** Negation. */ NEG("neg", 1),
    /** Sum. */ ADD("add", -1),
    /** First minus the others. */ SUB("sub", -1),
    /** Product. */ MUL("mul", -1),
    /** First divided by the others. */ DIV("div", -1),
    /** The constant pi. */ PI("pi", 0),
    /** Absolute value. */ ABS("abs", 1),
    /** Arc cosine. */ ACOS("acos", 1),
    /** Arc sine. */ ASIN("asin", 1),
    /** Arc tangent. */ ATAN("atan", 1),
    /** Cosine. */ COS("cos", 1),
    /** Hyperbolic cosine. */ COSH("cosh", 1),
    /** Exponential. */ EXP("exp", 1),
    /** Natural logarithm. */ LOG("log", 1),
    /** Decimal logarithm. */ LOG10("log10", 1),
    /** Remainder. */ MOD("mod", 2),
    /** Power. */ POW("pow", 2),
    /** Sine. */ SIN("sin", 1),
    /** Hyperbolic sine. */ SINH("sinh", 1),
    /** Tangent. */ TAN("tan", 1),
    /** Hyperbolic tangent. */ TANH("tanh", 1),
    /** Square root. */ SQRT("sqrt", 1),
    /** Ceiling. */ CEIL("ceil", 1),
    /** Floor. */ FLOOR("floor", 1),
    /** Minimum. */ MIN("min", -1),
    /** Maximum. */ MAX("max", -1),
    /** Arithmetic mean. */ MEAN("mean", -1);

    private final String xmlName;
    private final int arity;

    Operator(String xmlName, int arity) {
      this.xmlName = xmlName;
      this.arity = arity;
    }

    /** The MEF element name. */
    public String xmlName() {
      return xmlName;
    }

    /** The number of arguments, or -1 for one or more. */
    public int arity() {
      return arity;
    }

    /** The operator with this element name, or null. */
    public static Operator fromXml(String name) {
      for (Operator o : values()) {
        if (o.xmlName.equals(name)) {
          return o;
        }
      }
      return null;
    }
  }

  /**
   * An arithmetic operation.
   *
   * @param operator the operator
   * @param args its arguments
   */
  record Operation(Operator operator, List<Expression> args) implements Expression {
    /** Checks the arity. */
    public Operation {
      args = List.copyOf(args);
      int arity = operator.arity();
      if (arity >= 0 ? args.size() != arity : args.isEmpty()) {
        throw new IllegalArgumentException(operator.xmlName() + " takes " + (arity >= 0 ? arity : "1 or more")
            + " arguments, but had " + args.size());
      }
    }

    /**
     * {@inheritDoc}
     *
     * @throws ArithmeticException when the result is not a finite number (a division by zero, the logarithm of 0,
     *     an overflow, ...), naming the operator and its operands
     */
    @Override
    public double value(Environment env) {
      double[] v = new double[args.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = args.get(i).value(env);
      }
      double r = apply(v);
      if (!Double.isFinite(r)) {
        boolean byZero = (operator == Operator.DIV || operator == Operator.MOD) && zeroDivisor(v);
        throw new ArithmeticException("<" + operator.xmlName() + "> of " + java.util.Arrays.toString(v) + " is " + r
            + (byZero ? " (division by zero)" : ", not a finite number"));
      }
      return r;
    }

    private static boolean zeroDivisor(double[] v) {
      for (int i = 1; i < v.length; i++) {
        if (v[i] == 0) {
          return true;
        }
      }
      return false;
    }

    private double apply(double[] v) {
      double first = v.length == 0 ? 0 : v[0];
      switch (operator) {
        case NEG: return -first;
        case PI: return Math.PI;
        case ABS: return Math.abs(first);
        case ACOS: return Math.acos(first);
        case ASIN: return Math.asin(first);
        case ATAN: return Math.atan(first);
        case COS: return Math.cos(first);
        case COSH: return Math.cosh(first);
        case EXP: return Math.exp(first);
        case LOG: return Math.log(first);
        case LOG10: return Math.log10(first);
        case SIN: return Math.sin(first);
        case SINH: return Math.sinh(first);
        case TAN: return Math.tan(first);
        case TANH: return Math.tanh(first);
        case SQRT: return Math.sqrt(first);
        case CEIL: return Math.ceil(first);
        case FLOOR: return Math.floor(first);
        case MOD: return first % v[1];
        case POW: return Math.pow(first, v[1]);
        default: break;
      }
      double acc = first;
      for (int i = 1; i < v.length; i++) {
        switch (operator) {
          case ADD, MEAN -> acc += v[i];
          case SUB -> acc -= v[i];
          case MUL -> acc *= v[i];
          case DIV -> acc /= v[i];
          case MIN -> acc = Math.min(acc, v[i]);
          case MAX -> acc = Math.max(acc, v[i]);
          default -> throw new IllegalStateException("operator " + operator);
        }
      }
      return operator == Operator.MEAN ? acc / v.length : acc;
    }
  }

  /** The formulas behind the built-in laws. */
  final class Laws {
    private Laws() {}

    static double exp(double lambda, double time) {
      return -Math.expm1(-lambda * time);
    }

    /** Probability that a process at rate lambda follows one at rate mu within the time. */
    static double exp(double pMu, double pLambda, double mu, double lambda, double time) {
      return lambda == mu ? pLambda - (1 - pLambda) * lambda * time : (lambda * pMu - mu * pLambda) / (lambda - mu);
    }

    static double periodicInstantRepair(double lambda, double tau, double theta, double time) {
      if (time <= theta) {
        return exp(lambda, time);
      }
      double delta = time - theta;
      double afterTest = delta - Math.floor(delta / tau) * tau;
      return exp(lambda, afterTest != 0 ? afterTest : tau);
    }

    static double periodicInstantTest(double lambda, double mu, double tau, double theta, double time) {
      if (time <= theta) {
        return exp(lambda, time);
      }
      double delta = time - theta;
      int periods = (int) (delta / tau);
      double pLambdaTau = exp(lambda, tau);
      double fraction = carry(lambda, mu, pLambdaTau, exp(mu, tau), tau);
      double compound = Math.pow(fraction, periods);
      double prob = exp(lambda, theta);
      prob = prob * compound + (fraction == 1 ? pLambdaTau * periods : pLambdaTau * (compound - 1) / (fraction - 1));
      double afterTest = delta - periods * tau;
      double pLambda = exp(lambda, afterTest);
      return prob * carry(lambda, mu, pLambda, exp(mu, afterTest), afterTest) + pLambda;
    }

    private static double carry(double lambda, double mu, double pLambda, double pMu, double t) {
      double pMuLambda = exp(pLambda, pMu, lambda, mu, t);
      return 1 - pMu + pMuLambda - pLambda;
    }

    static double periodicComplete(double lambda, double lambdaTest, double mu, double tau, double theta,
        double gamma, double testDuration, boolean availableAtTest, double sigma, double omega, double time) {
      if (time <= theta) {
        return exp(lambda, time);
      }
      double[] s = {exp(lambda, theta), 0, 1 - exp(lambda, theta)}; // fail, repair, available
      double delta = time - theta;
      int periods = (int) (delta / tau);
      double deltaPeriod = tau - testDuration;
      double pLambdaTest = exp(lambdaTest, testDuration);
      double pLambdaAtTest = exp(lambda, testDuration);
      double pMuAtTest = exp(mu, testDuration);
      double pLambda = exp(lambda, deltaPeriod);
      double pMu = exp(mu, deltaPeriod);
      for (int i = 0; i < periods; i++) {
        test(s, pLambdaTest, pMuAtTest, pLambdaAtTest, testDuration, true, lambda, mu, gamma, sigma, omega);
        period(s, pLambda, pMu, deltaPeriod, lambda, mu, omega);
      }
      double afterTest = delta - periods * tau;
      if (afterTest <= testDuration) {
        test(s, exp(lambdaTest, afterTest), exp(mu, afterTest), exp(lambda, afterTest), afterTest, availableAtTest,
            lambda, mu, gamma, sigma, omega);
      } else {
        test(s, pLambdaTest, pMuAtTest, pLambdaAtTest, testDuration, true, lambda, mu, gamma, sigma, omega);
        double left = afterTest - testDuration;
        period(s, exp(lambda, left), exp(mu, left), left, lambda, mu, omega);
      }
      return 1 - s[2];
    }

    private static double muLambda(double pMu, double pLambda, double t, double lambda, double mu, double omega) {
      return pMu * omega + (1 - omega) * exp(pMu, pLambda, mu, lambda, t);
    }

    private static void test(double[] s, double pLambdaTest, double pMu, double pLambda, double t, boolean available,
        double lambda, double mu, double gamma, double sigma, double omega) {
      double transient_ = s[0] + s[2] * (gamma + (1 - gamma) * pLambdaTest);
      double fail = s[1] * muLambda(pMu, pLambda, t, lambda, mu, omega) + (1 - sigma) * transient_;
      double repair = (1 - pMu) * s[1] + sigma * transient_;
      double avail = 1 - fail - repair - (available ? 0 : s[2] * (1 - gamma) * (1 - pLambdaTest));
      s[0] = fail;
      s[1] = repair;
      s[2] = avail;
    }

    private static void period(double[] s, double pLambda, double pMu, double t, double lambda, double mu,
        double omega) {
      double fail = s[2] * pLambda + s[0] + s[1] * muLambda(pMu, pLambda, t, lambda, mu, omega);
      double repair = s[1] * (1 - pMu);
      s[0] = fail;
      s[1] = repair;
      s[2] = 1 - fail - repair;
    }
  }
}
