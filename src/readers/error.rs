//! Why a returned file cannot be imported: one Chinese sentence each, saying what to do. What a
//! reader itself said stays in the payload, for the log.

use super::limits::{MAX_INFLATED, MAX_ROWS, MAX_SHEETS, MAX_TEXT_BYTES};

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("这不是报送表文件（不是 .xlsx、.xls、.ods 电子表格，也不是含表格的 .docx）。")]
    NotSpreadsheet,
    #[error("文件设置了打开密码，无法读取。请让对方去掉密码后重新发送，或另存为无密码的文件。")]
    Encrypted,
    #[error("文件是空的。")]
    Empty,
    #[error(
        "这是 Excel 4.0 或更早版本的工作表，无法读取。请用 Excel 或 WPS 打开后另存为 .xlsx（或 Excel 97-2003 .xls）再导入。"
    )]
    OldExcel,
    #[error(
        "这是 Word 6.0/95 或更早版本的文档，无法读取。请用 Word 或 WPS 打开后另存为 .docx（或 Word 97-2003 文档）再导入。"
    )]
    OldWordVersion,
    /// The reader's own words stay in the payload, for the log.
    #[error("文件已损坏或不完整，无法读取。请让报送单位用 Excel 或 WPS 重新保存后再发送。")]
    Corrupt(String),
    #[error("文件太大（{0} MB），报送表不会这么大。")]
    TooLarge(u64),
    #[error("这封邮件的附件合计过大，此附件未读取。请把它另存后在“导入报送表”中单独导入。")]
    MessageBudget,
    #[error("文件解压后过大（超过 {} MB），可能已损坏或是恶意文件，未读取。", MAX_INFLATED / 1024 / 1024)]
    Inflates,
    #[error("表格“{sheet}”有 {rows} 行以上，远多于进展表，未读取。请确认选对了文件。")]
    TooManyRows { sheet: String, rows: u32 },
    #[error(
        "表格“{sheet}”用到了第 {columns} 列，远多于进展表的几列，未读取。请确认选对了文件，或删去多余的列后重新发送。"
    )]
    TooManyColumns { sheet: String, columns: u32 },
    #[error("文件中的文字过多（超过 {} MB），远多于一份报送表，可能已损坏或是恶意文件，未读取。", MAX_TEXT_BYTES / 1024 / 1024)]
    TooMuchText,
    #[error("表格“{sheet}”中合并单元格过多（{count} 处），远多于进展表，可能已损坏，未读取。")]
    TooManyMerges { sheet: String, count: usize },
    #[error(
        "文件中的工作表过多（超过 {} 张），不是一份报送表，未读取。",
        MAX_SHEETS
    )]
    TooManySheets,
    #[error("文件声明了 {count} 个不同的文字，远多于一份报送表，可能已损坏或是恶意文件，未读取。")]
    DeclaresTooMuch { count: u64 },
    #[error("没有找到进展表：任何工作表的前 30 行中都没有“进展情况”和“重点工作事项”这样的表头。")]
    NoTable,
    #[error("文件已损坏，读取时出错，未导入。请让报送单位用 Excel 或 WPS 重新保存后再发送。")]
    Failed(String),
    #[error(
        "无法确定是哪个部门的报送：表头“填报单位”为空或不认识，文件名中也没有部门名称。请选择部门。"
    )]
    NoDepartment,
    #[error("无法确定报送月份：标题和文件名中都没有月份。请选择月份。")]
    NoPeriod,
    #[error("“{0}”不报送进展表，无法导入。")]
    NotRequired(String),
}

impl ImportError {
    /// The message with what the reader itself said, for the log.
    pub fn log_detail(&self) -> String {
        match self {
            Self::Corrupt(detail) | Self::Failed(detail) => format!("{self} [{detail}]"),
            other => other.to_string(),
        }
    }
}

impl From<super::xls_scan::XlsRefusal> for ImportError {
    fn from(refusal: super::xls_scan::XlsRefusal) -> Self {
        use super::xls_scan::XlsRefusal;
        match refusal {
            XlsRefusal::TooManyRows { sheet, .. } => ImportError::TooManyRows {
                sheet,
                rows: MAX_ROWS,
            },
            XlsRefusal::TooManyColumns { sheet, columns } => ImportError::TooManyColumns {
                sheet,
                columns: u32::try_from(columns).unwrap_or(u32::MAX),
            },
            XlsRefusal::TooMuchText { .. } => ImportError::TooMuchText,
            XlsRefusal::TooManyMerges { count } => ImportError::TooManyMerges {
                sheet: String::new(),
                count: usize::try_from(count).unwrap_or(usize::MAX),
            },
            XlsRefusal::TooManySheets { .. } => ImportError::TooManySheets,
            XlsRefusal::NoWorkbook => ImportError::NotSpreadsheet,
            XlsRefusal::Damaged(detail) => ImportError::Corrupt(detail),
        }
    }
}
