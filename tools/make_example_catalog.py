"""Write examples/catalog.xlsx: a factory price sheet with the mess real ones have.

Run from the repository root: python tools/make_example_catalog.py
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

HEADERS = ["序号", "款号", "品名", "规格", "材质", "颜色", "尺码", "出厂价(元)", "起订量",
           "包装尺寸(cm)", "毛重(kg)", "卖点", "金额"]

# (款号, 品名, 规格, 材质, 颜色, 尺码, 出厂价, 起订量, 包装尺寸, 毛重, 卖点); None = a section heading
ROWS = [
    ("园艺肥料",),
    ("GF-500", "腐熟羊粪有机肥", "500g/袋", "腐熟羊粪", "", "", "¥6.5", "200袋", "20*14*4", 0.55,
     "1.完全腐熟，无臭味 2.疏松透气，改良土壤 3.适用于多肉、花卉、蔬菜"),
    ("GF-2KG", "腐熟羊粪有机肥", "2kg/袋", "腐熟羊粪", "", "", 18, "100袋", "30*20*6", 2.1,
     "完全腐熟，无臭味\n大包装更实惠\n适用于菜园、果树"),
    ("GF-SR100", "多肉专用缓释肥", "100g/瓶", "缓释颗粒", "", "", "9.8元", 300, "6×6×10", 0.13,
     "缓释长效，一次施用约3个月；颗粒不烧根"),
    ("电工工具",),
    ("ET-101", "数字万用表", "自动量程 600V", "ABS外壳", "黄色/黑色", "", 38, "50个", "19*10*5", 0.35,
     "自动量程，一键测量；背光大屏，暗处可读；CAT III 600V"),
    ("ET-102", "非接触式测电笔", "12-1000V", "ABS", "黄色", "", "￥8.5", 100, "16*4*2.5", 0.06,
     "声光报警；非接触检测，更安全"),
    ("ET-205", "VDE绝缘螺丝刀套装", "7件套 1000V", "铬钒钢", "", "", 45.5, "20套", "25×12×3", 0.6,
     "①VDE认证，耐压1000V ②铬钒钢刀头，硬度高 ③双色防滑手柄"),
    ("ET-310", "数字钳形表", "600A 交直流", "ABS", "红色/黑色", "", 72, 30, "22x10x6", 0.42,
     "交直流电流测量；真有效值"),
    ("雨伞",),
    ("UM-88", "遇水变色晴雨伞", "三折 直径105cm", "伞面100%聚酯纤维 铝合金伞骨", "粉色/蓝色/紫色", "", 25.8, 60,
     "30x7x7", 0.45,
     "遇水变色，晴雨两用\n防风伞骨，不易翻转\n轻便折叠，可放进包里"),
    ("汉服文创",),
    ("HF-M01", "明制马面裙", "织金 腰围可调", "100%聚酯纤维", "红色/蓝色", "S/M/L", 168, 10, "35*28*5", 0.8,
     "明制马面裙，织金工艺；腰围可调，日常可穿"),
    ("HF-M01", "明制马面裙", "织金 腰围可调", "100%聚酯纤维", "黑色", "S/M/L", 178, 10, "35*28*5", 0.8,
     "明制马面裙，织金工艺；腰围可调，日常可穿"),
    ("HF-S02", "宋制汉服褙子套装", "三件套", "雪纺（100%聚酯纤维）", "白色/粉色", "均码", "￥128", 10, "32*25*6", 0.7,
     "宋制褙子三件套；雪纺面料，轻薄飘逸"),
    ("CK-60", "中国结挂饰", "大号 60cm", "100%涤纶编织绳", "红色", "", 12.5, 100, "40*25*3", 0.15,
     "手工编织；新年、婚庆装饰"),
    ("茶叶",),
    ("TEA-357", "云南普洱茶饼", "357g/饼", "普洱茶", "", "", 45, 50, "20*20*4", 0.45,
     "云南大叶种晒青毛茶；传统石磨压制"),
    ("TEA-GJ", "宁夏枸杞", "250g/袋", "枸杞", "", "", 22, 100, "22*15*4", 0.28,
     "宁夏中宁枸杞，颗粒饱满"),
]


def build(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "产品报价单"
    width = len(HEADERS)
    ws.append(["义乌市星辰日用品有限公司 2026年秋季产品报价单"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["报价日期：2026-10-15    报价有效期30天    联系人：王经理"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append([])
    ws.append(HEADERS)
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    number = 0
    variant_start = None
    for entry in ROWS:
        if len(entry) == 1:
            ws.append([entry[0]])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
            continue
        sku, name, spec, material, color, size, price, moq, box, weight, points = entry
        number += 1
        r = ws.max_row + 1
        ws.append([number, sku, name, spec, material, color, size, price, moq, box, weight, points,
                   f'=IFERROR(VALUE(SUBSTITUTE(SUBSTITUTE(H{r},"¥",""),"元",""))*VALUE(I{r}),"")'])
        ws.cell(row=r, column=12).alignment = Alignment(wrap_text=True, vertical="top")
        if sku == "HF-M01":
            variant_start = variant_start or r
    # the factory merged 款号/品名 over the two rows of the skirt's colour variants
    for column in (2, 3):
        value = ws.cell(row=variant_start, column=column).value
        ws.merge_cells(start_row=variant_start, start_column=column, end_row=variant_start + 1,
                       end_column=column)
        ws.cell(row=variant_start, column=column).value = value
    ws.append([])
    ws.append(["合计", "", "", "", "", "", "", "", "", "", "", "", ""])
    ws.append(["备注：以上价格含税含包装，不含运费；量大可议。"])
    for letter, w in zip("ABCDEFGHIJKLM", (6, 10, 20, 16, 16, 14, 8, 10, 8, 12, 9, 40, 10)):
        ws.column_dimensions[letter].width = w
    notes = wb.create_sheet("说明")
    notes.append(["付款方式", "30%定金，70%发货前付清"])
    notes.append(["交货期", "收到定金后15-25天"])
    wb.save(path)


if __name__ == "__main__":
    build(Path(__file__).resolve().parent.parent / "examples" / "catalog.xlsx")
