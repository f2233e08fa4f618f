"""coopgraph's own Spanish labels for IATI codes (IATI publishes English and French only).

Two kinds of rows: the codes the graph maps to (graph/*.ttl), and every code
of the short lists the register offers officers to pick from
(`REGISTER_SPANISH_LABELS`: activity status, organisation role, transaction
type, sector vocabulary, and the activity-level document categories A01 to A12).
A table to edit, not code: add a row when the graph maps to a new code
(tests/test_iati.py says which codes lack one), then regenerate the codelists
with `coopgraph build codelists`. Each such concept, and every scheme, says
that its Spanish is our translation, in the notes below.
"""

from __future__ import annotations

SPANISH_NOTE = "Spanish labels are coopgraph's own translation, not IATI's."
"""On every scheme."""
CONCEPT_SPANISH_NOTE = "The Spanish label is coopgraph's own translation, not IATI's."
"""On every concept with a Spanish label."""

REGISTER_SPANISH_LABELS: dict[tuple[str, str], str] = {
    ("ActivityStatus", "1"): "En preparación / identificación",
    ("ActivityStatus", "2"): "En ejecución",
    ("ActivityStatus", "3"): "En cierre",
    ("ActivityStatus", "4"): "Cerrada",
    ("ActivityStatus", "5"): "Cancelada",
    ("ActivityStatus", "6"): "Suspendida",
    ("OrganisationRole", "1"): "Financiadora",
    ("OrganisationRole", "2"): "Responsable",
    ("OrganisationRole", "3"): "Ampliadora (canaliza los fondos)",
    ("OrganisationRole", "4"): "Ejecutora",
    ("TransactionType", "1"): "Fondos recibidos",
    ("TransactionType", "2"): "Compromiso de salida",
    ("TransactionType", "3"): "Desembolso",
    ("TransactionType", "4"): "Gasto",
    ("TransactionType", "5"): "Pago de intereses",
    ("TransactionType", "6"): "Reembolso de préstamo",
    ("TransactionType", "7"): "Reintegro",
    ("TransactionType", "8"): "Compra de acciones",
    ("TransactionType", "9"): "Venta de acciones",
    ("TransactionType", "10"): "Garantía de crédito",
    ("TransactionType", "11"): "Compromiso de entrada",
    ("TransactionType", "12"): "Promesa de salida",
    ("TransactionType", "13"): "Promesa de entrada",
    ("SectorVocabulary", "1"): "Códigos CRS de finalidad del CAD de la OCDE (5 dígitos)",
    ("SectorVocabulary", "2"): "Códigos CRS de finalidad del CAD de la OCDE (3 dígitos)",
    ("SectorVocabulary", "3"): "Clasificación de las funciones de gobierno (ONU)",
    ("SectorVocabulary", "4"): "Clasificación estadística de actividades económicas en la Comunidad Europea",
    ("SectorVocabulary", "5"): "Taxonomía nacional de entidades exentas (EE. UU.)",
    ("SectorVocabulary", "6"): "AidData",
    ("SectorVocabulary", "7"): "Objetivo de Desarrollo Sostenible (ODS)",
    ("SectorVocabulary", "8"): "Meta de los ODS",
    ("SectorVocabulary", "9"): "Indicador de los ODS",
    ("SectorVocabulary", "10"): "Clústeres humanitarios globales (Comité Permanente entre Organismos)",
    ("SectorVocabulary", "11"): "Sistema de Clasificación Industrial de América del Norte (SCIAN)",
    ("SectorVocabulary", "12"): "Función del Sistema de las Naciones Unidas",
    ("SectorVocabulary", "98"): "Organización que informa 2",
    ("SectorVocabulary", "99"): "Organización que informa",
    ("DocumentCategory", "A01"): "Evaluación de impacto previa y posterior al proyecto",
    ("DocumentCategory", "A02"): "Objetivos / finalidad de la actividad",
    ("DocumentCategory", "A03"): "Beneficiarios finales previstos",
    ("DocumentCategory", "A04"): "Condiciones",
    ("DocumentCategory", "A05"): "Presupuesto",
    ("DocumentCategory", "A06"): "Resumen del contrato",
    ("DocumentCategory", "A07"): "Revisión del desempeño y evaluación del proyecto",
    ("DocumentCategory", "A08"): "Resultados, efectos y productos",
    ("DocumentCategory", "A09"): "Memorándum de entendimiento (si lo acuerdan todas las partes)",
    ("DocumentCategory", "A10"): "Licitación",
    ("DocumentCategory", "A11"): "Contrato",
    ("DocumentCategory", "A12"): "Página web de la actividad",
}
"""Every code of the short lists the register offers: officers pick from these in Spanish."""

# coopgraph's own Spanish translations for codes the graph maps to
# (graph/*.ttl), then the register's. Key: (codelist, code). Regeneration keeps them.
SPANISH_LABELS: dict[tuple[str, str], str] = {
    ("AidType-category", "A"): "Apoyo presupuestario",
    ("AidType-category", "D"): "Expertos y otras formas de asistencia técnica",
    ("AidType", "B01"): (
        "Apoyo a los presupuestos generales de ONG, otros organismos privados, APP e institutos de investigación"
    ),
    ("AidType", "B021"): "Contribuciones a los presupuestos generales de instituciones multilaterales",
    ("AidType", "B022"): "Contribuciones a los presupuestos generales de fondos mundiales",
    ("AidType", "B03"): (
        "Contribuciones a programas y fondos de propósito específico gestionados por socios ejecutores"
    ),
    ("AidType", "B04"): "Fondos canasta / financiación mancomunada",
    ("AidType", "C01"): "Intervenciones de tipo proyecto",
    ("AidType", "D02"): "Otra asistencia técnica",
    ("AidType", "E01"): "Becas / formación en el país donante",
    ("AidType", "F01"): "Alivio de la deuda",
    ("CollaborationType", "1"): "Bilateral",
    ("CollaborationType", "2"): "Multilateral (entradas)",
    ("CollaborationType", "4"): "Salidas multilaterales",
    ("CollaborationType", "8"): "Bilateral, cooperación triangular",
    ("CRSChannelCode", "13000"): "Gobierno de un tercer país (cooperación delegada)",
    ("CRSChannelCode", "20000"): "Organizaciones no gubernamentales (ONG) y sociedad civil",
    ("CRSChannelCode", "31000"): "Alianzas público-privadas (APP)",
    ("CRSChannelCode", "40000"): "Organizaciones multilaterales",
    ("CRSChannelCode", "43000"): "Fondo Monetario Internacional (FMI)",
    ("CRSChannelCode", "44000"): "Grupo Banco Mundial (BM)",
    ("CRSChannelCode", "46000"): "Bancos regionales de desarrollo",
    ("CRSChannelCode", "51000"): (
        "Universidad, instituto de enseñanza superior u otra institución docente, "
        "instituto de investigación o centro de pensamiento"
    ),
    ("FinanceType", "110"): "Donación estándar",
    ("FinanceType-category", "420"): "Instrumentos de deuda",
    ("OrganisationType", "10"): "Gobierno",
    ("OrganisationType", "11"): "Gobierno local",
    ("Sector", "24040"): "Intermediarios financieros informales y semiformales",
    ("SectorCategory", "720"): "Respuesta de emergencia",
    # codes mapped by graph/sectors.ttl
    ("Sector", "11330"): "Formación profesional",
    ("Sector", "15110"): "Política del sector público y gestión administrativa",
    ("Sector", "15112"): "Descentralización y apoyo a los gobiernos subnacionales",
    ("Sector", "15113"): "Organizaciones e instituciones anticorrupción",
    ("Sector", "15130"): "Desarrollo legal y judicial",
    ("Sector", "15150"): "Participación democrática y sociedad civil",
    ("Sector", "15160"): "Derechos humanos",
    ("Sector", "15170"): (
        "Organizaciones y movimientos por los derechos de las mujeres, e instituciones gubernamentales"
    ),
    ("Sector", "15190"): ("Facilitación de la migración y la movilidad ordenadas, seguras, regulares y responsables"),
    ("Sector", "15220"): "Construcción de la paz civil, prevención y resolución de conflictos",
    ("Sector", "16010"): "Protección social",
    ("Sector", "16066"): "Cultura",
    ("Sector", "21020"): "Transporte por carretera",
    ("Sector", "31140"): "Recursos hídricos para uso agrícola",
    ("Sector", "41030"): "Biodiversidad",
    ("Sector", "43030"): "Desarrollo y gestión urbana",
    ("Sector", "43040"): "Desarrollo rural",
    ("Sector", "43060"): "Reducción del riesgo de desastres",
    ("SectorCategory", "111"): "Educación, nivel no especificado",
    ("SectorCategory", "112"): "Educación básica",
    ("SectorCategory", "113"): "Educación secundaria",
    ("SectorCategory", "114"): "Educación postsecundaria",
    ("SectorCategory", "121"): "Salud, general",
    ("SectorCategory", "122"): "Salud básica",
    ("SectorCategory", "123"): "Enfermedades no transmisibles (ENT)",
    ("SectorCategory", "130"): "Políticas y programas de población y salud reproductiva",
    ("SectorCategory", "140"): "Abastecimiento de agua y saneamiento",
    ("SectorCategory", "151"): "Gobierno y sociedad civil, general",
    ("SectorCategory", "152"): "Conflicto, paz y seguridad",
    ("SectorCategory", "160"): "Otros servicios e infraestructuras sociales",
    ("SectorCategory", "231"): "Política energética",
    ("SectorCategory", "232"): "Generación de energía, fuentes renovables",
    ("SectorCategory", "233"): "Generación de energía, fuentes no renovables",
    ("SectorCategory", "234"): "Centrales de energía híbridas",
    ("SectorCategory", "235"): "Centrales nucleares",
    ("SectorCategory", "236"): "Distribución de energía",
    ("SectorCategory", "311"): "Agricultura",
    ("SectorCategory", "331"): "Políticas y regulaciones comerciales",
    ("SectorCategory", "410"): "Protección general del medio ambiente",
    ("SectorCategory", "730"): "Reconstrucción, socorro y rehabilitación",
    ("SectorCategory", "740"): "Prevención de desastres y preparación",
    **REGISTER_SPANISH_LABELS,
}
