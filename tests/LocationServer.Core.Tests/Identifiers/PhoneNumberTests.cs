using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Tests.Identifiers;

public class PhoneNumberTests
{
    [Theory]
    [InlineData("+15125550100")]
    [InlineData("tel:+1-512-555-0100")]
    [InlineData("TEL:+1.512.555.0100")]
    [InlineData("tel:+1-512-555-0100;phone-context=example.com")]
    [InlineData("sip:+15125550100@pbx.example.com;user=phone")]
    [InlineData("SIPS:+15125550100@pbx.example.com")]
    [InlineData("\"Alice Smith\" <sip:+15125550100@pbx.example.com>;tag=1234")]
    [InlineData("<tel:+15125550100>")]
    [InlineData("< sip:15125550100@host >")]
    [InlineData("+1 (512) 555-0100")]
    [InlineData("15125550100")]
    [InlineData("5125550100")]
    [InlineData("(512) 555-0100")]
    [InlineData("  512.555.0100  ")]
    public void Normalize_NanpSpelling_IsE164(string text)
    {
        Assert.Equal("+15125550100", PhoneNumber.Normalize(text));
    }

    [Theory]
    [InlineData("911", "911")]
    [InlineData("933", "933")]
    [InlineData("tel:911", "911")]
    [InlineData("sip:933@pbx.example.com", "933")]
    [InlineData("4455", "4455")]
    [InlineData("+442071234567", "+442071234567")]
    [InlineData("442071234567", "+442071234567")]
    [InlineData("+49 30 1234567", "+49301234567")]
    public void Normalize_ShortCodeOrInternational_KeepsDigits(string text, string expected)
    {
        Assert.Equal(expected, PhoneNumber.Normalize(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("sip:alice@example.com")]
    [InlineData("12")]
    [InlineData("+")]
    [InlineData("+911")]
    [InlineData("512-555-0100 x12")]
    [InlineData("5550100")]
    [InlineData("0125550100")]
    [InlineData("25125550100")]
    [InlineData("1+5125550100")]
    [InlineData("+1234567890123456")]
    [InlineData("tel:")]
    [InlineData("<>")]
    public void Normalize_Garbage_ReturnsNull(string? text)
    {
        Assert.Null(PhoneNumber.Normalize(text));
    }
}
